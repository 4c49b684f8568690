"""What every message shares: limits, field types, error codes, the base model.

``ErrorMessage`` lives here rather than with the other server messages because
:meth:`ProtocolError.to_message` builds it, and every other module of the
package depends on this one, never the other way round.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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


# --- server to client (docs/protocol.md, "error") ---------------------------


class ErrorMessage(Message):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    field: str | None = None
    ref: str | None = None
