"""Request and response bodies of the agenda API.

These classes validate the requests and are the OpenAPI document's schemas:
one definition serves both. Field types come from :mod:`agenda.model`, so a
patch accepts exactly what the stored model accepts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from agenda.model import (
    AgendaItem,
    Booth,
    Identifier,
    ItemKind,
    LanguageCode,
    LocalizedText,
    Meeting,
    Speaker,
    Text,
    TimeZoneName,
    UtcTime,
    Venue,
)
from agenda.validation import Invalid, Problem
from server.auth.roles import Role

ExpectedVersion = Annotated[
    int | None,
    Field(
        default=None,
        ge=1,
        description="the version this change is based on (instead of an If-Match header)",
    ),
]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _not_null(cls, data: Any) -> Any:
        """A null for a field made with ``_unset()`` is refused by name."""
        if isinstance(data, dict):
            for name, info in cls.model_fields.items():
                if info.json_schema_extra is _no_default and name in data and data[name] is None:
                    raise PydanticCustomError(
                        "invalid", f"{name} cannot be null; leave it out to keep it as it is",
                        {"field": name},
                    )
        return data


def _unset(**constraints: Any) -> Any:
    """A patch field that may be left out (the stored value stays) but is
    never null, because the stored field cannot be: its documented schema
    says so too. (Defaults are not validated, so leaving it out is fine.)"""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class MeetingPatch(_Body):
    """Fields to replace in a meeting; absent fields stay as they are."""

    title: LocalizedText = _unset()
    timezone: TimeZoneName = _unset()
    start: UtcTime = _unset()
    end: UtcTime = _unset()
    languages: list[LanguageCode] = _unset(min_length=1)
    venues: list[Venue] = _unset()
    booths: list[Booth] = _unset()
    items: list[AgendaItem] = _unset()
    hosts: list[Text] = _unset()
    chair: Text | None = None
    moderated: bool = _unset()
    max_open_mics: int = _unset(ge=1, le=50)
    version: ExpectedVersion = None


class ItemCreate(AgendaItem):
    """A new agenda item. Without ``start`` it goes right after the last item."""

    start: UtcTime | None = None  # type: ignore[assignment]
    version: ExpectedVersion = None  # type: ignore[assignment]

    def to_item(self, start: datetime) -> AgendaItem:
        data = self.model_dump(exclude={"version"})
        return AgendaItem.model_validate({**data, "start": data["start"] or start})


class ItemPatch(_Body):
    """Fields to replace in an agenda item; absent fields stay as they are."""

    kind: ItemKind = _unset()
    title: LocalizedText = _unset()
    start: UtcTime = _unset()
    duration: int = _unset(gt=0, le=24 * 3600, description="seconds")
    speakers: list[Speaker] = _unset()
    floor_language: LanguageCode | None = None
    media: Annotated[str, Field(max_length=500)] | None = None
    shift_following: bool = Field(
        default=True,
        description="move the items after this one by the change of its end time",
    )
    version: ExpectedVersion = None


class ReorderRequest(_Body):
    """The full new order of the agenda, by item id."""

    order: list[Identifier] = Field(min_length=1)
    version: ExpectedVersion = None


class VenueBody(Venue):
    """A venue to create or replace; ``id`` defaults to the one in the path."""

    id: Identifier | None = None  # type: ignore[assignment]
    version: ExpectedVersion = None

    def to_venue(self, venue_id: str) -> Venue:
        return Venue.model_validate({**self.model_dump(exclude={"version"}), "id": venue_id})


class BoothBody(Booth):
    """A booth to create or replace; ``id`` defaults to the one in the path."""

    id: Identifier | None = None  # type: ignore[assignment]
    version: ExpectedVersion = None

    def to_booth(self, booth_id: str) -> Booth:
        return Booth.model_validate({**self.model_dump(exclude={"version"}), "id": booth_id})


class VersionOnly(_Body):
    """Body of a delete that passes its version in the body, not If-Match."""

    version: ExpectedVersion = None


class LinkRequest(_Body):
    """Who a join link is for."""

    role: Role
    name: Text | None = None
    booth: Identifier | None = Field(default=None, description="required for interpreters")
    venue: Identifier | None = Field(default=None, description="required for venues")
    ttl: int = Field(default=7 * 24 * 3600, ge=60, le=366 * 24 * 3600, description="seconds")
    shared: bool = Field(default=False, description="each holder joins as a new participant")

    def check_against(self, meeting: Meeting) -> None:
        """Interpreters need a booth of the meeting, venues a venue of it,
        and nobody else takes either. Invalid otherwise."""
        needed = {Role.INTERPRETER: "booth", Role.VENUE: "venue"}.get(self.role)
        for attribute, value, lookup in (
            ("booth", self.booth, meeting.booth),
            ("venue", self.venue, meeting.venue),
        ):
            if attribute == needed and value is None:
                problem = Problem(error="missing", field=attribute,
                                  message=f"a {self.role.value} link needs a {attribute}")
            elif attribute == needed and value is not None and lookup(value) is None:
                problem = Problem(error=f"unknown_{attribute}", field=attribute,
                                  message=f"this meeting has no {attribute} {value!r}")
            elif attribute != needed and value is not None:
                problem = Problem(error="unexpected", field=attribute,
                                  message=f"a {self.role.value} link takes no {attribute}")
            else:
                continue
            raise Invalid([problem])


class LinkResponse(_Body):
    token: str
    url: str
    role: Role
    meeting: str
    expires: datetime


class MeetingSummary(_Body):
    id: str
    title: dict[str, str]
    timezone: str
    start: datetime
    end: datetime
    languages: list[str]
    items: int = Field(description="number of agenda items")
    version: int

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSummary:
        return cls(
            id=meeting.id, title=meeting.title, timezone=meeting.timezone,
            start=meeting.start, end=meeting.end, languages=meeting.languages,
            items=len(meeting.items), version=meeting.version,
        )


class MeetingList(_Body):
    meetings: list[MeetingSummary]


class ErrorBody(_Body):
    """Every error answer: the first problem, then all of them."""

    error: str
    message: str
    field: str | None = None
    item: str | None = None
    errors: list[Problem] = Field(default_factory=list)


class StaleBody(ErrorBody):
    """409: the write was based on an older version."""

    current_version: int
    current: dict[str, Any] = Field(description="the current meeting or item")
