"""The interpreter's console and what booths and listeners see of it.

docs/protocol.md, "Interpretation messages".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.protocol.base import Lang, Message

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


# --- server to client -------------------------------------------------------


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
