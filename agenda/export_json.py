"""The agenda as JSON for other programs: instants in UTC, and the same
instants as wall-clock times in the meeting's zone and at every venue, so a
consumer need not carry a time zone database. Pure module: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from agenda.model import Booth, ItemKind, Meeting, Speaker, Venue


class LocalTime(BaseModel):
    """An interval as local wall-clock times (ISO 8601 with the UTC offset)."""

    timezone: str
    start: datetime
    end: datetime


class ExportItem(BaseModel):
    id: str
    kind: ItemKind
    title: dict[str, str]
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    duration: int = Field(description="seconds")
    floor_language: str | None
    speakers: list[Speaker]
    media: str | None
    version: int
    local: LocalTime = Field(description="in the meeting's time zone")
    venues: dict[str, LocalTime] = Field(description="by venue id, in each venue's time zone")


class AgendaExport(BaseModel):
    id: str
    title: dict[str, str]
    timezone: str
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    local: LocalTime
    languages: list[str]
    hosts: list[str]
    chair: str | None
    venues: list[Venue]
    booths: list[Booth]
    items: list[ExportItem]
    version: int
    generated: datetime = Field(description="UTC")


def _local(zone_name: str, start: datetime, end: datetime) -> LocalTime:
    zone = ZoneInfo(zone_name)
    return LocalTime(timezone=zone_name, start=start.astimezone(zone), end=end.astimezone(zone))


def to_export(meeting: Meeting, now: datetime | None = None) -> AgendaExport:
    """The meeting and its agenda, ready for ``model_dump_json``."""
    items = [
        ExportItem(
            id=item.id, kind=item.kind, title=item.title, start=item.start, end=item.end,
            duration=item.duration, floor_language=item.floor_language,
            speakers=item.speakers, media=item.media, version=item.version,
            local=_local(meeting.timezone, item.start, item.end),
            venues={v.id: _local(v.timezone, item.start, item.end) for v in meeting.venues},
        )
        for item in meeting.items
    ]
    return AgendaExport(
        id=meeting.id, title=meeting.title, timezone=meeting.timezone,
        start=meeting.start, end=meeting.end,
        local=_local(meeting.timezone, meeting.start, meeting.end),
        languages=meeting.languages, hosts=meeting.hosts, chair=meeting.chair,
        venues=meeting.venues, booths=meeting.booths, items=items, version=meeting.version,
        generated=(now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
    )
