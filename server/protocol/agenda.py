"""The live agenda and moderated speaking, both directions.

docs/protocol.md, "Agenda messages".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.protocol.base import Id, Message

# --- live agenda and moderation (docs/protocol.md, "Agenda messages") --------


class AgendaStart(Message):
    type: Literal["agenda_start"]


class AgendaStop(Message):
    type: Literal["agenda_stop"]


class AgendaNext(Message):
    type: Literal["agenda_next"]


class AgendaPrevious(Message):
    type: Literal["agenda_previous"]


class AgendaGoto(Message):
    type: Literal["agenda_goto"]
    item: Id


class SetModerated(Message):
    type: Literal["set_moderated"]
    on: bool


Seconds = Annotated[int, Field(ge=1, le=4 * 3600)]


class GrantFloor(Message):
    type: Literal["grant_floor"]
    participant: Id
    limit: Seconds | None = None


class RevokeFloor(Message):
    type: Literal["revoke_floor"]
    participant: Id


class SpeakingLimit(Message):
    type: Literal["speaking_limit"]
    participant: Id
    limit: Seconds | None


class RaiseHand(Message):
    type: Literal["raise_hand"]


class LowerHand(Message):
    type: Literal["lower_hand"]


# --- server to client -------------------------------------------------------


class SpeakerInfo(Message):
    name: str
    organisation: str | None
    venue: str | None
    language: str


class AgendaItemInfo(Message):
    id: str
    kind: str
    title: dict[str, str]
    start: str  # ISO 8601, UTC
    duration: int  # seconds
    floor_language: str | None
    speakers: list[SpeakerInfo]


class AgendaItems(Message):
    """The agenda (sent on joining and whenever it is edited)."""

    type: Literal["agenda"] = "agenda"
    timezone: str
    items: list[AgendaItemInfo]


class AgendaState(Message):
    type: Literal["agenda_state"] = "agenda_state"
    started: bool
    current: str | None
    index: int | None
    item_started_at: float | None  # Unix time the current item became current
    server_time: float  # Unix time when sent, for clients to correct their clock
    floor_language: str | None


class HandInfo(Message):
    participant: str
    name: str
    raised_at: float


class GrantInfo(Message):
    participant: str
    name: str
    granted_at: float
    ends_at: float | None


class ModerationState(Message):
    type: Literal["moderation"] = "moderation"
    moderated: bool
    max_open_mics: int
    hands: list[HandInfo]
    granted: list[GrantInfo]
    server_time: float
