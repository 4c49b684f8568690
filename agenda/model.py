"""The meeting model: what is stored, validated and sent to clients.

All instants are stored in UTC; each meeting carries the IANA time zone it is
displayed in, and each venue its own. Pure module: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agenda.languages import LANGUAGES, is_known

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", min_length=1, max_length=63)
]


# Validators raise PydanticCustomError so the API can answer with a stable
# error code (and, for cross-field rules, the field's path in ``ctx``).


def _language(code: str) -> str:
    if not is_known(code):
        raise PydanticCustomError(
            # The value goes in through the context: pydantic fills the
            # template, and a value with braces in it must not be a template.
            "unknown_language", "unknown language '{code}'", {"code": code}
        )
    return code


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PydanticCustomError(
            "unknown_timezone", "unknown time zone '{name}'", {"name": name}
        ) from exc
    return name


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError(
            "naive_time", "a time needs a UTC offset (e.g. 2020-11-20T13:00:00Z)"
        )
    return value.astimezone(UTC)


# The documented schemas say what the validators accept, so that clients (and
# API fuzzers) know the language codes without reading agenda/languages.py.
_LANGUAGE_SCHEMA = {"type": "string", "enum": list(LANGUAGES)}
LanguageCode = Annotated[str, AfterValidator(_language), WithJsonSchema(_LANGUAGE_SCHEMA)]
TimeZoneName = Annotated[
    str, AfterValidator(_timezone),
    WithJsonSchema({"type": "string", "minLength": 1,
                    "description": "an IANA time zone, e.g. Europe/Paris"}),
]
UtcTime = Annotated[datetime, AfterValidator(_utc)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _localized(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("give the text in at least one language")
    for code in value:
        _language(code)
    return value


LocalizedText = Annotated[
    dict[str, Text], AfterValidator(_localized),
    WithJsonSchema({
        "type": "object", "minProperties": 1, "propertyNames": _LANGUAGE_SCHEMA,
        "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 500},
        "description": "the text by language code, in at least one language",
    }),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Venue(Strict):
    id: Identifier
    name: Text
    city: Text
    timezone: TimeZoneName
    pa_language: LanguageCode


class Booth(Strict):
    id: Identifier
    a: LanguageCode  # main output channel
    b: LanguageCode | None = None  # retour channel, for two-way work
    understands: list[LanguageCode] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_outputs(self) -> Booth:
        if self.b is not None and self.b == self.a:
            raise PydanticCustomError(
                "same_outputs",
                "a booth's B output must differ from its A output",
                {"field": "b"},
            )
        return self

    def outputs(self) -> list[str]:
        return [self.a] if self.b is None else [self.a, self.b]


class ItemKind(StrEnum):
    SPEECH = "speech"
    PANEL = "panel"
    DISCUSSION = "discussion"
    BREAK = "break"
    VIDEO = "video"
    VOTE = "vote"


class Speaker(Strict):
    name: Text
    organisation: Text | None = None
    venue: Identifier | None = None
    language: LanguageCode


class AgendaItem(Strict):
    id: Identifier
    kind: ItemKind = ItemKind.SPEECH
    title: LocalizedText
    start: UtcTime
    duration: int = Field(gt=0, le=24 * 3600, description="seconds")
    speakers: list[Speaker] = Field(default_factory=list)
    floor_language: LanguageCode | None = None
    media: Annotated[str, StringConstraints(max_length=500)] | None = None
    version: int = 1

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


class Meeting(Strict):
    id: Identifier
    title: LocalizedText
    timezone: TimeZoneName
    start: UtcTime
    end: UtcTime
    languages: list[LanguageCode] = Field(min_length=1)
    venues: list[Venue] = Field(default_factory=list)
    booths: list[Booth] = Field(default_factory=list)
    items: list[AgendaItem] = Field(default_factory=list)
    hosts: list[Text] = Field(default_factory=list)
    chair: Text | None = None
    moderated: bool = False
    max_open_mics: int = Field(default=4, ge=1, le=50)
    version: int = 1

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("duplicate_language", "a language is listed twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Meeting:
        if self.end <= self.start:
            raise PydanticCustomError(
                "bad_period", "the meeting must end after it starts", {"field": "end"}
            )
        _unique_ids("venues", [v.id for v in self.venues])
        _unique_ids("booths", [b.id for b in self.booths])
        _unique_ids("items", [i.id for i in self.items])
        for index, booth in enumerate(self.booths):
            for slot, out in (("a", booth.a), ("b", booth.b)):
                if out is not None and out not in self.languages:
                    raise PydanticCustomError(
                        "language_not_in_meeting",
                        f"booth {booth.id!r} outputs {out!r}, not a language of the meeting",
                        {"booth": booth.id, "language": out,
                         "field": f"booths[{index}].{slot}"},
                    )
        for index, venue in enumerate(self.venues):
            if venue.pa_language not in self.languages:
                raise PydanticCustomError(
                    "language_not_in_meeting",
                    f"venue {venue.id!r} plays {venue.pa_language!r} on its PA, "
                    "not a language of the meeting",
                    {"venue": venue.id, "language": venue.pa_language,
                     "field": f"venues[{index}].pa_language"},
                )
        return self

    def venue(self, venue_id: str) -> Venue | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def booth(self, booth_id: str) -> Booth | None:
        return next((b for b in self.booths if b.id == booth_id), None)

    def item(self, item_id: str) -> AgendaItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def first_language(self) -> str:
        return self.languages[0]


def _unique_ids(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident in seen:
            raise PydanticCustomError(
                "duplicate_id",
                f"{what}: id {ident!r} is used twice",
                {"what": what, "ident": ident, "field": f"{what}[{index}].id"},
            )
        seen.add(ident)
