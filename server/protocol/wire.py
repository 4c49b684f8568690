"""The two unions of messages, and turning JSON into them and back.

The unions gather every module's messages, so this is the one module that
imports all the others; adding a message means adding it here too.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from server.protocol.agenda import (
    AgendaGoto,
    AgendaItems,
    AgendaNext,
    AgendaPrevious,
    AgendaStart,
    AgendaState,
    AgendaStop,
    GrantFloor,
    LowerHand,
    ModerationState,
    RaiseHand,
    RevokeFloor,
    SetModerated,
    SpeakingLimit,
)
from server.protocol.base import (
    MAX_MESSAGE_BYTES,
    ErrorCode,
    ErrorMessage,
    Message,
    ProtocolError,
)
from server.protocol.interpretation import (
    BoothChatMessage,
    BoothChatSend,
    BoothState,
    ConsoleCough,
    ConsoleIncoming,
    ConsoleMic,
    ConsoleOutput,
    HandoverAccept,
    HandoverCancel,
    HandoverRequest,
    InterpretationState,
    SetFloorLanguage,
    SlowDown,
    SlowDownNotice,
)
from server.protocol.session import (
    ActiveSpeaker,
    Answer,
    Bye,
    Candidate,
    Hello,
    Leave,
    Listen,
    MediaState,
    Offer,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    Ping,
    Pong,
    Redirect,
    Slots,
    View,
    Welcome,
)
from server.protocol.venues import (
    MediaPause,
    MediaPlay,
    MediaResume,
    MediaStatus,
    MediaStop,
    MuteFeed,
    RecordingStatus,
    VenueStatus,
)

# --- client to server -------------------------------------------------------

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
    except RecursionError as exc:
        # "[[[[…" fits easily in the size limit and exhausts the decoder's stack.
        raise ProtocolError(ErrorCode.BAD_JSON, "not valid JSON: nested too deeply") from exc
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
