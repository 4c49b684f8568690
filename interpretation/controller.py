"""A meeting's interpretation: booths' consoles, their voices, the language
channels they feed and what each console hears.

The room owns one :class:`Interpretation`; console messages come in through
:meth:`Interpretation.act`, and after every change :meth:`route` points
each channel at its input (a live booth's voice, or the floor) and each
booth's voice processor at its live interpreter's microphone.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from agenda.languages import endonym
from agenda.model import Booth, Meeting
from interpretation.booth import BoothConfig, BoothError, BoothState, Refusal
from interpretation.channel import ChannelOutput
from interpretation.routing import Incoming, channel_owners, incoming
from interpretation.voice import VoiceProcessor
from server.media.codecs import CodecStats
from server.media.tracks import Source
from server.protocol import (
    BoothState as BoothStateMessage,
)
from server.protocol import (
    ChannelInfo,
    HandoverInfo,
    IncomingInfo,
    InterpretationState,
    InterpreterInfo,
)

SIGNAL_TIMEOUT = 0.4  # s without audio from a live interpreter: their channel falls back

Notify = Callable[[set[str], bool], None]  # booths whose consoles changed, channels changed


class Interpretation:
    def __init__(
        self,
        meeting: Meeting,
        channels: dict[str, ChannelOutput],
        floor: Source,
        stats: CodecStats,
        notify: Notify,
    ) -> None:
        self.meeting = meeting
        self.channels = channels
        self.floor = floor
        self._notify = notify
        self.booths: dict[str, BoothState] = {b.id: _booth(b) for b in meeting.booths}
        self.voices_stats = stats
        self.voices = {b: VoiceProcessor(meeting.id, b, stats) for b in self.booths}
        self._mics: dict[str, Source] = {}
        self._booth_of: dict[str, str] = {}
        self._on_air: set[str] = set()
        first = meeting.items[0].floor_language if meeting.items else None
        self.floor_language: str | None = first or meeting.first_language()

    def update_meeting(self, meeting: Meeting) -> None:
        """New booths from edited meeting data; live booths keep their state."""
        self.meeting = meeting
        for b in meeting.booths:
            if b.id not in self.booths:
                self.booths[b.id] = _booth(b)
                self.voices[b.id] = VoiceProcessor(meeting.id, b.id, self.voices_stats)
        self._changed(set(self.booths), channels=True)

    # --- membership -----------------------------------------------------------

    def join(self, interpreter: str, name: str, booth_id: str, mic: Source) -> None:
        booth = self.booths[booth_id]
        booth.join(interpreter, name)
        self._mics[interpreter] = mic
        self._booth_of[interpreter] = booth_id
        self._changed({booth_id}, channels=False)

    def leave(self, interpreter: str) -> None:
        booth_id = self._booth_of.pop(interpreter, None)
        mic = self._mics.pop(interpreter, None)
        if booth_id is None:
            return
        was_live = self.booths[booth_id].leave(interpreter)
        if mic is not None:
            self.voices[booth_id].forget(mic.id)
        self._changed({booth_id}, channels=was_live)

    def booth_of(self, interpreter: str) -> BoothState:
        booth_id = self._booth_of.get(interpreter)
        if booth_id is None:
            raise BoothError(Refusal.FORBIDDEN, "you are not in a booth")
        return self.booths[booth_id]

    def members(self, booth_id: str) -> list[str]:
        return list(self.booths[booth_id].interpreters)

    # --- actions ----------------------------------------------------------------

    def _busy(self, language: str, booth_id: str) -> bool:
        return any(
            b.id != booth_id and b.live_language() == language for b in self.booths.values()
        )

    def mic(self, interpreter: str, on: bool) -> None:
        booth = self.booth_of(interpreter)
        try:
            if on:
                booth.mic_on(interpreter, time.monotonic(), self._busy)
            else:
                booth.mic_off(interpreter)
        finally:
            # A refused mic-on may still have raised a handover request.
            self._changed({booth.id}, channels=True)

    def cough(self, interpreter: str, held: bool) -> None:
        booth = self.booth_of(interpreter)
        booth.set_cough(interpreter, held)
        self._changed({booth.id}, channels=True)

    def output(self, interpreter: str, output: str) -> None:
        booth = self.booth_of(interpreter)
        booth.set_output(interpreter, "B" if output == "B" else "A", self._busy)
        self._changed(set(self.booths), channels=True)

    def incoming_choice(self, interpreter: str, source: str) -> None:
        booth = self.booth_of(interpreter)
        booth.set_incoming(interpreter, source, self.meeting.languages)
        self._changed({booth.id}, channels=False)

    def request_handover(self, interpreter: str) -> None:
        booth = self.booth_of(interpreter)
        booth.request_handover(interpreter, time.monotonic())
        self._changed({booth.id}, channels=False)

    def accept_handover(self, interpreter: str) -> None:
        booth = self.booth_of(interpreter)
        booth.accept_handover(interpreter)
        self._changed({booth.id}, channels=True)

    def cancel_handover(self, interpreter: str) -> None:
        booth = self.booth_of(interpreter)
        booth.cancel_handover(interpreter)
        self._changed({booth.id}, channels=False)

    def set_floor_language(self, language: str | None) -> None:
        if language == self.floor_language:
            return
        self.floor_language = language
        self._changed(set(self.booths), channels=True)

    # --- time -------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Run handover countdowns and watch live interpreters' signal."""
        changed: set[str] = set()
        for booth in self.booths.values():
            if booth.tick(now):
                changed.add(booth.id)
        on_air = self._signal(now)
        if on_air != self._on_air:
            changed |= on_air ^ self._on_air
        if changed:
            self._changed(set(self.booths), channels=True)

    def _signal(self, now: float) -> set[str]:
        on_air: set[str] = set()
        for booth in self.booths.values():
            mic = self._mics.get(booth.live or "")
            if mic is not None and now - mic.last_arrival < SIGNAL_TIMEOUT:
                on_air.add(booth.id)
        return on_air

    # --- routing ----------------------------------------------------------------

    def route(self) -> None:
        self._on_air = self._signal(time.monotonic())
        for booth_id, booth in self.booths.items():
            voice = self.voices[booth_id]
            voice.set_input(self._mics.get(booth.live) if booth.live else None)
            voice.cough = booth.cough
        owners = channel_owners(list(self.booths.values()), self._on_air)
        for language, channel in self.channels.items():
            owner = owners.get(language)
            channel.set_input(self.voices[owner].output if owner else self.floor)

    def incoming(self, booth_id: str) -> Incoming:
        return incoming(self.booths[booth_id], list(self.booths.values()), self.floor_language)

    def incoming_source(self, interpreter: str) -> Source:
        booth_id = self._booth_of.get(interpreter)
        if booth_id is None:
            return self.floor
        choice = self.incoming(booth_id)
        channel = self.channels.get(choice.source)
        return channel.source if channel is not None else self.floor

    def _changed(self, booths: set[str], channels: bool) -> None:
        self.route()
        # A channel going live or silent changes what other booths relay.
        self._notify(set(self.booths) if channels else booths, channels)

    # --- state for clients -----------------------------------------------------

    def booth_message(self, booth_id: str) -> BoothStateMessage:
        booth = self.booths[booth_id]
        now = time.monotonic()
        choice = self.incoming(booth_id)
        handover = booth.handover
        return BoothStateMessage(
            booth=booth.id,
            a=booth.config.a,
            b=booth.config.b,
            output=booth.output,
            output_language=booth.output_language(),
            live=booth.live,
            cough=booth.cough,
            signal=booth.id in self._on_air,
            interpreters=[
                InterpreterInfo(id=i, name=n, live=i == booth.live)
                for i, n in booth.interpreters.items()
            ],
            handover=None
            if handover is None
            else HandoverInfo(
                requester=handover.requester,
                name=booth.interpreters.get(handover.requester, ""),
                remaining=max(0.0, round(handover.deadline - now, 2)),
            ),
            incoming=IncomingInfo(
                mode=choice.mode,
                source=choice.source,
                language=choice.language,
                steps=choice.steps,
                available=choice.available,
            ),
            floor_language=self.floor_language,
        )

    def state_message(self) -> InterpretationState:
        owners = channel_owners(list(self.booths.values()), self._on_air)
        return InterpretationState(
            floor_language=self.floor_language,
            channels=[
                ChannelInfo(
                    language=language,
                    name=endonym(language),
                    live=language in owners,
                    booth=owners.get(language),
                    cough=language in owners and self.booths[owners[language]].cough,
                )
                for language in self.channels
            ],
        )

    def close(self) -> None:
        for voice in self.voices.values():
            voice.close()


def _booth(booth: Booth) -> BoothState:
    return BoothState(BoothConfig(booth.id, booth.a, booth.b, frozenset(booth.understands)))
