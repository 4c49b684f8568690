"""The signalling protocol: every WebSocket message, typed and validated.

Pure module, no I/O. Clients send :data:`ClientMessage`, the server answers
with :data:`ServerMessage`; each is a JSON object whose ``type`` names its
schema. ``docs/protocol.md`` is the prose specification of this module.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP = 60_000

Id = Annotated[str, Field(min_length=1, max_length=128)]
Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class ErrorCode(StrEnum):
    BAD_JSON = "bad_json"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_MESSAGE = "invalid_message"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    NOT_AUTHENTICATED = "not_authenticated"
    ALREADY_AUTHENTICATED = "already_authenticated"
    PROTOCOL_VERSION = "protocol_version"
    BAD_TOKEN = "bad_token"
    TOKEN_EXPIRED = "token_expired"
    WRONG_MEETING = "wrong_meeting"
    UNKNOWN_MEETING = "unknown_meeting"
    FORBIDDEN = "forbidden"
    BAD_SDP = "bad_sdp"
    BAD_STATE = "bad_state"
    NOT_FOUND = "not_found"
    INTERLOCK = "interlock"
    LIMIT = "limit"
    INTERNAL = "internal"


class ProtocolError(Exception):
    """A message the server refuses; becomes an ``error`` message."""

    def __init__(
        self, code: ErrorCode, message: str, *, field: str | None = None, ref: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.ref = ref

    def to_message(self) -> ErrorMessage:
        return ErrorMessage(code=self.code, message=self.message, field=self.field, ref=self.ref)


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


# --- interpreter console (docs/protocol.md, "Interpretation messages") ------

Output = Literal["A", "B"]


class ConsoleMic(Message):
    type: Literal["console_mic"]
    on: bool


class ConsoleCough(Message):
    type: Literal["console_cough"]
    held: bool


class ConsoleOutput(Message):
    type: Literal["console_output"]
    output: Output


class ConsoleIncoming(Message):
    type: Literal["console_incoming"]
    # "auto" (floor, or relay when the booth does not understand the floor
    # language), "floor", or a language whose channel to relay from
    source: Annotated[str, Field(pattern=r"^(auto|floor|[a-z]{2,3})$")]


class HandoverRequest(Message):
    type: Literal["handover_request"]


class HandoverAccept(Message):
    type: Literal["handover_accept"]


class HandoverCancel(Message):
    type: Literal["handover_cancel"]


class BoothChatSend(Message):
    type: Literal["booth_chat"]
    text: Annotated[str, Field(min_length=1, max_length=500)]


class SlowDown(Message):
    type: Literal["slow_down"]


class SetFloorLanguage(Message):
    type: Literal["set_floor_language"]
    language: Lang


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


# --- venues and media played into the meeting --------------------------------


class MuteFeed(Message):
    """Take a venue's feed (or played media) off the floor, or put it back."""

    type: Literal["mute_feed"]
    participant: Id
    muted: bool


class MediaPlay(Message):
    type: Literal["media_play"]
    # an agenda item whose media file to play, or a file uploaded to the meeting
    item: Id | None = None
    file: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class MediaPause(Message):
    type: Literal["media_pause"]


class MediaResume(Message):
    type: Literal["media_resume"]


class MediaStop(Message):
    type: Literal["media_stop"]


_CLIENT_CLASSES = (
    Hello, Answer, Candidate, MediaState, View, Listen, Ping, Leave,
    ConsoleMic, ConsoleCough, ConsoleOutput, ConsoleIncoming, HandoverRequest,
    HandoverAccept, HandoverCancel, BoothChatSend, SlowDown, SetFloorLanguage,
    AgendaStart, AgendaStop, AgendaNext, AgendaPrevious, AgendaGoto, SetModerated, GrantFloor,
    RevokeFloor, SpeakingLimit, RaiseHand, LowerHand, MuteFeed, MediaPlay, MediaPause,
    MediaResume, MediaStop,
)

ClientMessage = Annotated[
    Hello
    | Answer
    | Candidate
    | MediaState
    | View
    | Listen
    | Ping
    | Leave
    | ConsoleMic
    | ConsoleCough
    | ConsoleOutput
    | ConsoleIncoming
    | HandoverRequest
    | HandoverAccept
    | HandoverCancel
    | BoothChatSend
    | SlowDown
    | SetFloorLanguage
    | AgendaStart
    | AgendaStop
    | AgendaNext
    | AgendaPrevious
    | AgendaGoto
    | SetModerated
    | GrantFloor
    | RevokeFloor
    | SpeakingLimit
    | RaiseHand
    | LowerHand
    | MuteFeed
    | MediaPlay
    | MediaPause
    | MediaResume
    | MediaStop,
    Field(discriminator="type"),
]
_client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
CLIENT_TYPES = frozenset(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in _CLIENT_CLASSES
)


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


class ErrorMessage(Message):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    field: str | None = None
    ref: str | None = None


class Redirect(Message):
    """The meeting lives on another node: connect there (then close code 4307)."""

    type: Literal["redirect"] = "redirect"
    url: str  # the WebSocket URL to send the same hello to


class Bye(Message):
    type: Literal["bye"] = "bye"
    reason: str


class InterpreterInfo(Message):
    id: str
    name: str
    live: bool


class HandoverInfo(Message):
    requester: str
    name: str
    # seconds left before the requester takes over by itself
    remaining: float


class IncomingInfo(Message):
    mode: Literal["auto", "manual"]
    source: str  # "floor" or the language whose channel is relayed
    language: str | None  # the language heard (the floor language when on the floor)
    steps: int  # 0 on the floor, 1 for a relay of a booth that hears the floor, ...
    available: bool  # False when auto relay found no live booth to relay


class BoothState(Message):
    type: Literal["booth_state"] = "booth_state"
    booth: str
    a: str
    b: str | None
    output: Output
    output_language: str
    live: str | None
    cough: bool
    signal: bool  # the live interpreter's audio is arriving
    interpreters: list[InterpreterInfo]
    handover: HandoverInfo | None
    incoming: IncomingInfo
    floor_language: str | None


class ChannelInfo(Message):
    language: str
    name: str
    live: bool  # an interpreter is live on it (else it carries the floor)
    booth: str | None
    cough: bool


class InterpretationState(Message):
    type: Literal["interpretation"] = "interpretation"
    floor_language: str | None
    channels: list[ChannelInfo]


class BoothChatMessage(Message):
    type: Literal["booth_chat"] = "booth_chat"
    booth: str
    sender: str
    name: str
    text: str
    at: float


class SlowDownNotice(Message):
    type: Literal["slow_down"] = "slow_down"
    booth: str
    sender: str
    name: str


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


class RecordingStatus(Message):
    """Whether the meeting is being recorded (clients show it)."""

    type: Literal["recording"] = "recording"
    active: bool
    recording: str | None
    started_at: float | None


class MediaStatus(Message):
    """The media file being played into the meeting, if any."""

    type: Literal["media_state"] = "media_state"
    state: Literal["idle", "playing", "paused"]
    participant: str | None = None
    title: str | None = None
    file: str | None = None
    item: str | None = None
    position: float = 0.0  # seconds
    duration: float = 0.0
    transcoded: bool = False


class VenueStatusInfo(Message):
    participant: str
    venue: str | None
    name: str
    transport: str  # browser | whip | media
    media: str  # the peer connection's state
    level_dbfs: float  # the feed's recent level (-127 silent)
    packet_loss: float | None  # fraction of the feed's packets lost
    rtt_ms: float | None
    on_floor: bool
    feed_muted: bool
    listening: str | None


class VenueStatus(Message):
    """Sent to chairs every second while venues are connected."""

    type: Literal["venue_status"] = "venue_status"
    venues: list[VenueStatusInfo]


ServerMessage = (
    Welcome
    | Offer
    | Slots
    | ParticipantJoined
    | ParticipantUpdated
    | ParticipantLeft
    | ActiveSpeaker
    | Pong
    | ErrorMessage
    | Bye
    | Redirect
    | BoothState
    | InterpretationState
    | BoothChatMessage
    | SlowDownNotice
    | AgendaItems
    | AgendaState
    | ModerationState
    | RecordingStatus
    | MediaStatus
    | VenueStatus
)


def parse_client_message(raw: str | bytes, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Parse and validate one client message, or raise :class:`ProtocolError`."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"message of {size} bytes exceeds the limit of {max_bytes}"
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "a message must be a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(
            ErrorCode.INVALID_MESSAGE, "a message needs a string field 'type'", field="type"
        )
    if kind not in CLIENT_TYPES:
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}", field="type", ref=kind
        )
    try:
        # Strict: JSON types must match, no "1" for 1 or "yes" for true.
        return _client_adapter.validate_python(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first["loc"][1:]) or "type"
        raise ProtocolError(
            ErrorCode.INVALID_MESSAGE,
            f"{location}: {first['msg']}",
            field=location,
            ref=kind,
        ) from exc


def encode(message: Message) -> str:
    return message.model_dump_json(exclude_none=False)
