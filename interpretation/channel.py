"""A language channel: one encoded stream that listeners of a language get.

It forwards the packets of one input at a time (the live interpreter's voice,
or the floor when no interpreter is live) and rewrites their timestamps so
listeners see one continuous stream across switches. Produced once per
channel, whatever the number of listeners; no codec work.
"""

from __future__ import annotations

from server.media.packets import AUDIO_RATE, OPUS_SILENCE, EncodedPacket, Rebaser
from server.media.tracks import Source


class ChannelOutput:
    def __init__(self, meeting_id: str, language: str, label: str) -> None:
        self.language = language
        self.source = Source(f"{meeting_id}/channel/{language}", "audio", label, channel=language)
        self._input: Source | None = None
        self._rebaser = Rebaser(AUDIO_RATE)
        self.silenced = False  # cough: the input keeps the clock, listeners hear silence
        self.switches = 0
        self._wanted = False
        self.source.on_demand = self._demand

    def _demand(self, wanted: bool) -> None:
        self._wanted = wanted
        if self._input is not None:
            if wanted:
                self._input.add_sink(self._deliver)
            else:
                self._input.remove_sink(self._deliver)

    @property
    def input(self) -> Source | None:
        return self._input

    def set_input(self, source: Source | None, *, silenced: bool = False) -> None:
        self.silenced = silenced
        if source is self._input:
            return
        if self._input is not None:
            self._input.remove_sink(self._deliver)
        self._input = source
        self.switches += 1
        if source is not None and self._wanted:
            source.add_sink(self._deliver)

    def _deliver(self, packet: EncodedPacket) -> None:
        pts = self._rebaser.rebase(self._input, packet.pts, packet.duration, packet.arrival)
        self.source.publish(
            EncodedPacket(
                data=OPUS_SILENCE if self.silenced else packet.data,
                pts=pts,
                time_base=packet.time_base,
                duration=packet.duration,
                audio_level=127 if self.silenced else packet.audio_level,
                arrival=packet.arrival,
            )
        )

    def close(self) -> None:
        self.set_input(None)
