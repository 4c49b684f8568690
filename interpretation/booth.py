"""A booth's console state and its rules (pure: time is passed in).

One booth, one console: its interpreters share the output selector (A/B),
the incoming selector and one microphone. The interlock is enforced here:
at most one live microphone per booth, and (through ``channel_busy``) at
most one live interpreter per language channel across booths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

HANDOVER_COUNTDOWN = 10.0  # seconds before a requested handover happens by itself


class Refusal(StrEnum):
    INTERLOCK = "interlock"
    BAD_STATE = "bad_state"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"


class BoothError(Exception):
    """An action the console rules refuse; ``code`` becomes the error code."""

    def __init__(self, code: Refusal, message: str, handover_requested: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.handover_requested = handover_requested


# (language, booth id) -> whether another booth than this one is live on it
ChannelBusy = Callable[[str, str], bool]


Output = Literal["A", "B"]


@dataclass(frozen=True, slots=True)
class BoothConfig:
    id: str
    a: str
    b: str | None
    understands: frozenset[str]


@dataclass(slots=True)
class Handover:
    requester: str
    deadline: float


@dataclass
class BoothState:
    config: BoothConfig
    interpreters: dict[str, str] = field(default_factory=dict)  # id -> name, join order
    live: str | None = None
    output: Output = "A"
    cough: bool = False
    handover: Handover | None = None
    incoming_mode: Literal["auto", "manual"] = "auto"
    incoming_manual: str = "floor"  # "floor" or a language to relay
    countdown: float = HANDOVER_COUNTDOWN

    @property
    def id(self) -> str:
        return self.config.id

    def output_language(self) -> str:
        if self.output == "B" and self.config.b is not None:
            return self.config.b
        return self.config.a

    def live_language(self) -> str | None:
        """The channel this booth is live on, if any."""
        return self.output_language() if self.live is not None else None

    # --- membership --------------------------------------------------------

    def join(self, interpreter: str, name: str) -> None:
        self.interpreters[interpreter] = name

    def leave(self, interpreter: str) -> bool:
        """Remove an interpreter; True if they were live (the channel drops)."""
        self.interpreters.pop(interpreter, None)
        if self.handover is not None and self.handover.requester == interpreter:
            self.handover = None
        if self.live == interpreter:
            self.live = None
            self.cough = False
            self.handover = None
            return True
        return False

    def _member(self, interpreter: str) -> None:
        if interpreter not in self.interpreters:
            raise BoothError(Refusal.FORBIDDEN, f"you are not in booth {self.id!r}")

    # --- microphone ----------------------------------------------------------

    def mic_on(self, interpreter: str, now: float, channel_busy: ChannelBusy) -> None:
        self._member(interpreter)
        if self.live == interpreter:
            return
        if self.live is not None:
            # The interlock: the partner is live. Pressing mic-on asks them
            # to hand over instead of cutting in.
            requested = self.handover is None or self.handover.requester != interpreter
            if requested:
                self.handover = Handover(interpreter, now + self.countdown)
            raise BoothError(
                Refusal.INTERLOCK,
                f"{self.interpreters[self.live]} is live in this booth; "
                "a handover request was sent",
                handover_requested=True,
            )
        language = self.output_language()
        if channel_busy(language, self.id):
            raise BoothError(
                Refusal.INTERLOCK, f"another booth is live on the {language} channel"
            )
        self.live = interpreter
        self.cough = False
        self.handover = None

    def mic_off(self, interpreter: str) -> None:
        self._member(interpreter)
        if self.live != interpreter:
            raise BoothError(Refusal.BAD_STATE, "your microphone is not on")
        self.live = None
        self.cough = False
        self.handover = None

    def set_cough(self, interpreter: str, held: bool) -> None:
        self._member(interpreter)
        if held and self.live != interpreter:
            raise BoothError(Refusal.BAD_STATE, "cough works only while your microphone is on")
        if self.live == interpreter:
            self.cough = held

    # --- selectors -----------------------------------------------------------

    def set_output(self, interpreter: str, output: Output, channel_busy: ChannelBusy) -> None:
        self._member(interpreter)
        if output == "B" and self.config.b is None:
            raise BoothError(Refusal.NOT_FOUND, f"booth {self.id!r} has no B output")
        if output == self.output:
            return
        language = self.config.b if output == "B" else self.config.a
        assert language is not None
        if self.live is not None and channel_busy(language, self.id):
            raise BoothError(
                Refusal.INTERLOCK, f"another booth is live on the {language} channel"
            )
        self.output = output

    def set_incoming(self, interpreter: str, source: str, languages: list[str]) -> None:
        self._member(interpreter)
        if source == "auto":
            self.incoming_mode = "auto"
            return
        if source != "floor" and source not in languages:
            raise BoothError(Refusal.NOT_FOUND, f"no {source!r} channel in this meeting")
        if source == self.output_language():
            raise BoothError(Refusal.BAD_STATE, "a booth cannot relay its own output")
        self.incoming_mode = "manual"
        self.incoming_manual = source

    # --- handover ------------------------------------------------------------

    def request_handover(self, interpreter: str, now: float) -> None:
        self._member(interpreter)
        if self.live is None:
            raise BoothError(Refusal.BAD_STATE, "nobody is live: turn your microphone on")
        if self.live == interpreter:
            raise BoothError(Refusal.BAD_STATE, "you are live already")
        if self.handover is None or self.handover.requester != interpreter:
            self.handover = Handover(interpreter, now + self.countdown)

    def accept_handover(self, interpreter: str) -> str:
        """The live interpreter hands over; returns who is live now."""
        self._member(interpreter)
        if self.live != interpreter:
            raise BoothError(Refusal.BAD_STATE, "only the live interpreter can hand over")
        if self.handover is None:
            raise BoothError(Refusal.BAD_STATE, "nobody asked to take over")
        return self._switch()

    def cancel_handover(self, interpreter: str) -> None:
        """The requester withdraws, or the live interpreter declines."""
        self._member(interpreter)
        if self.handover is None:
            raise BoothError(Refusal.BAD_STATE, "no handover is pending")
        if interpreter not in (self.live, self.handover.requester):
            raise BoothError(Refusal.FORBIDDEN, "this handover is not yours to cancel")
        self.handover = None

    def tick(self, now: float) -> bool:
        """Complete a handover whose countdown ran out; True if it did."""
        if self.handover is not None and now >= self.handover.deadline:
            if self.live is None or self.handover.requester not in self.interpreters:
                self.handover = None
                return False
            self._switch()
            return True
        return False

    def _switch(self) -> str:
        assert self.handover is not None
        self.live = self.handover.requester
        self.cough = False
        self.handover = None
        return self.live
