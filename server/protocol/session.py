"""Joining a meeting and negotiating media: the session's messages.

docs/protocol.md, "Client to server", "Server to client" and "Media
negotiation": hello and welcome, the offer/answer exchange and its slots, who
is in the meeting and who speaks, keep-alives, redirects and goodbyes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.protocol.base import MAX_SDP, PROTOCOL_VERSION, Id, Message

# --- client to server -------------------------------------------------------


class Hello(Message):
    type: Literal["hello"]
    protocol: int
    token: Annotated[str, Field(min_length=1, max_length=4096)]
    meeting: Id
    # The resume token of an earlier welcome: come back as the same
    # participant after a reconnect (only for shared invitations).
    resume: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class Answer(Message):
    type: Literal["answer"]
    sdp: Annotated[str, Field(min_length=1, max_length=MAX_SDP)]


class Candidate(Message):
    type: Literal["candidate"]
    candidate: Annotated[str, Field(max_length=1024)]
    sdp_mid: Annotated[str, Field(max_length=32)] | None = None
    sdp_mline_index: Annotated[int, Field(ge=0, le=255)] | None = None


class MediaState(Message):
    type: Literal["media"]
    mic: bool
    camera: bool


class View(Message):
    type: Literal["view"]
    participants: Annotated[list[Id], Field(max_length=9)]


class Listen(Message):
    type: Literal["listen"]
    language: Annotated[str, Field(pattern=r"^(floor|[a-z]{2,3})$")]


class Ping(Message):
    type: Literal["ping"]
    id: int = 0


class Leave(Message):
    type: Literal["leave"]


# --- server to client -------------------------------------------------------


class ParticipantInfo(Message):
    id: str
    name: str
    role: str
    venue: str | None = None
    booth: str | None = None
    mic: bool = False
    camera: bool = False
    on_floor: bool = False
    hand_raised: bool = False
    feed_muted: bool = False  # a venue (or played media) the chair took off the floor


class LanguageInfo(Message):
    code: str
    name: str


class VenueInfo(Message):
    id: str
    name: str
    city: str
    timezone: str
    pa_language: str


class BoothInfo(Message):
    id: str
    a: str
    b: str | None
    understands: list[str]


class MeetingInfo(Message):
    id: str
    title: dict[str, str]
    timezone: str
    languages: list[LanguageInfo]
    venues: list[VenueInfo]
    booths: list[BoothInfo]


class Limits(Message):
    max_message_bytes: int
    messages_per_second: float
    burst: int


class IceServer(Message):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class Welcome(Message):
    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    you: ParticipantInfo
    meeting: MeetingInfo
    participants: list[ParticipantInfo]
    limits: Limits
    ice_servers: list[IceServer]
    # For shared invitations: send it back as hello.resume after a reconnect
    # to come back as the same participant.
    resume: str | None = None


SlotUse = Literal["mic", "camera", "floor", "language", "incoming", "video", "pa"]
MediaKind = Literal["audio", "video"]


class Slot(Message):
    """What one media line carries: ``use`` says what for."""

    mid: str
    kind: MediaKind
    use: SlotUse
    participant: str | None = None
    channel: str | None = None


class Offer(Message):
    type: Literal["offer"] = "offer"
    sdp: str
    slots: list[Slot]


class Slots(Message):
    type: Literal["slots"] = "slots"
    slots: list[Slot]


class ParticipantJoined(Message):
    type: Literal["participant_joined"] = "participant_joined"
    participant: ParticipantInfo


class ParticipantUpdated(Message):
    type: Literal["participant_updated"] = "participant_updated"
    participant: ParticipantInfo


class ParticipantLeft(Message):
    type: Literal["participant_left"] = "participant_left"
    id: str


class ActiveSpeaker(Message):
    type: Literal["active_speaker"] = "active_speaker"
    participant: str | None


class Pong(Message):
    type: Literal["pong"] = "pong"
    id: int


class Redirect(Message):
    """The meeting lives on another node: connect there (then close code 4307)."""

    type: Literal["redirect"] = "redirect"
    url: str  # the WebSocket URL to send the same hello to


class Bye(Message):
    type: Literal["bye"] = "bye"
    reason: str
