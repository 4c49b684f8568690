"""A booth's outgoing voice: the live interpreter's microphone, limited.

Decoded once, limited so peaks stay below -1 dBFS, encoded once, whatever
the number of listeners. One encoder per booth means a handover between
partners is a seamless stream for every listener's decoder: the switch
happens between two 20 ms frames, never inside one and never overlapping.
Cough feeds digital silence into the same encoder.
"""

from __future__ import annotations

import numpy as np

from server.media.codecs import CodecStats, Limiter, OpusDecoder, OpusEncoder
from server.media.packets import AUDIO_RATE, AUDIO_TIME_BASE, OPUS_FRAME, EncodedPacket
from server.media.tracks import Source

GAP = 0.06  # s without input after which the output clock jumps with wall time


class VoiceProcessor:
    def __init__(self, meeting_id: str, booth_id: str, stats: CodecStats) -> None:
        self._stats = stats
        self.output = Source(f"{meeting_id}/booth/{booth_id}/voice", "audio", booth_id)
        self.output.on_demand = self._demand
        self._input: Source | None = None
        self._wanted = False
        self._decoders: dict[str, OpusDecoder] = {}
        self._encoder = OpusEncoder(stats, "limiter")
        self._limiter = Limiter()
        self._pcm = np.zeros(0, dtype=np.float32)
        self._pts = 0
        self._last_wall: float | None = None
        self.cough = False

    @property
    def input(self) -> Source | None:
        return self._input

    def set_input(self, source: Source | None) -> None:
        if source is self._input:
            return
        if self._input is not None:
            self._input.remove_sink(self._deliver)
        self._input = source
        # A new speaker starts on a frame boundary: nothing of the previous
        # one is carried over.
        self._pcm = np.zeros(0, dtype=np.float32)
        if source is not None and self._wanted:
            source.add_sink(self._deliver)

    def forget(self, source_id: str) -> None:
        """Drop the decoder of an interpreter who left."""
        self._decoders.pop(source_id, None)

    def _demand(self, wanted: bool) -> None:
        self._wanted = wanted
        if self._input is None:
            return
        if wanted:
            self._input.add_sink(self._deliver)
        else:
            self._input.remove_sink(self._deliver)

    def _decoder(self, source: Source) -> OpusDecoder:
        decoder = self._decoders.get(source.id)
        if decoder is None:
            decoder = self._decoders[source.id] = OpusDecoder(self._stats, "limiter")
        return decoder

    def _deliver(self, packet: EncodedPacket) -> None:
        source = self._input
        if source is None:
            return
        samples = self._decoder(source).decode(packet.data, packet.pts)
        if self._last_wall is not None and packet.arrival - self._last_wall > GAP:
            # Keep listeners' timeline in step with wall time across silences.
            self._pts += int((packet.arrival - self._last_wall) * AUDIO_RATE) // OPUS_FRAME * (
                OPUS_FRAME
            )
        self._last_wall = packet.arrival
        self._pcm = np.concatenate((self._pcm, samples))
        while self._pcm.size >= OPUS_FRAME:
            block, self._pcm = self._pcm[:OPUS_FRAME], self._pcm[OPUS_FRAME:]
            block = np.zeros(OPUS_FRAME, np.float32) if self.cough else self._limiter.process(
                block
            )
            for data in self._encoder.encode(block):
                self.output.publish(
                    EncodedPacket(
                        data=data,
                        pts=self._pts,
                        time_base=AUDIO_TIME_BASE,
                        duration=OPUS_FRAME,
                        arrival=packet.arrival,
                    )
                )
                self._pts += OPUS_FRAME

    def close(self) -> None:
        self.set_input(None)
        self._decoders.clear()
