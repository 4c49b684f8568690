"""The agenda as an iCalendar file (RFC 5545), one VEVENT per item.

Times are written in the meeting's zone with TZID and a matching VTIMEZONE,
so calendar clients show the times the organisers planned in, and convert
them correctly for everyone else. Pure module: no I/O.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vText

from agenda.languages import endonym
from agenda.model import AgendaItem, Meeting

PRODID = "-//silkhall//agenda//EN"
UID_DOMAIN = "silkhall"


def _title(text: dict[str, str], language: str) -> tuple[str, str]:
    """The text in ``language`` if given, else in the first language it has."""
    if language in text:
        return language, text[language]
    first = next(iter(text))
    return first, text[first]


def item_uid(meeting: Meeting, item: AgendaItem) -> str:
    """Stable across exports and edits, so calendars update the same event."""
    return f"{meeting.id}.{item.id}@{UID_DOMAIN}"


def _description(meeting: Meeting, item: AgendaItem, summary_language: str) -> str:
    lines = [
        f"{code}: {text}" for code, text in item.title.items() if code != summary_language
    ]
    if item.floor_language:
        lines.append(
            f"Floor language: {endonym(item.floor_language)} ({item.floor_language})"
        )
    if item.speakers:
        lines.append("Speakers:")
    for speaker in item.speakers:
        parts = [speaker.name]
        if speaker.organisation:
            parts.append(speaker.organisation)
        venue = meeting.venue(speaker.venue) if speaker.venue else None
        if venue is not None:
            parts.append(f"{venue.name} ({venue.city})")
        parts.append(f"{endonym(speaker.language)} ({speaker.language})")
        lines.append("- " + ", ".join(parts))
    if item.media:
        lines.append(f"Media: {item.media}")
    return "\n".join(lines)


def _location(meeting: Meeting, item: AgendaItem) -> str | None:
    names: list[str] = []
    for speaker in item.speakers:
        venue = meeting.venue(speaker.venue) if speaker.venue else None
        if venue is not None and venue.name not in names:
            names.append(venue.name)
    return "; ".join(names) or None


def _event(meeting: Meeting, item: AgendaItem, zone: ZoneInfo, stamp: datetime) -> Event:
    language, summary = _title(item.title, meeting.first_language())
    event = Event()
    event.add("uid", item_uid(meeting, item))
    event.add("dtstamp", stamp)
    # SEQUENCE tells clients which copy of an event is newer.
    event.add("sequence", item.version - 1)
    event.add("dtstart", item.start.astimezone(zone))
    event.add("dtend", item.end.astimezone(zone))
    event.add("summary", vText(summary), parameters={"LANGUAGE": language})
    description = _description(meeting, item, language)
    if description:
        event.add("description", description)
    location = _location(meeting, item)
    if location:
        event.add("location", location)
    event.add("categories", [item.kind.value])
    return event


def to_ical(meeting: Meeting, now: datetime | None = None) -> bytes:
    """The meeting's agenda as an iCalendar document (UTF-8, CRLF lines)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    zone = ZoneInfo(meeting.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    _, name = _title(meeting.title, meeting.first_language())
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", meeting.timezone)
    # Only the transitions around the meeting: a VTIMEZONE from 1970 would
    # carry decades of rules nobody needs.
    calendar.add_component(
        Timezone.from_tzinfo(
            zone,
            tzid=meeting.timezone,
            first_date=date(meeting.start.year - 1, 1, 1),
            last_date=date(meeting.end.year + 1, 12, 31),
        )
    )
    for item in meeting.items:
        calendar.add_component(_event(meeting, item, zone, stamp))
    data: bytes = calendar.to_ical()
    return data
