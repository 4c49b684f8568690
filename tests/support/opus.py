"""Pre-encoded Opus for publishers that must not encode while we count."""

from __future__ import annotations

import asyncio
import fractions
import time
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

RATE = 48000
FRAME = 960


def encode_tone(frequency: float, seconds: float, amplitude: float = 0.5) -> list[bytes]:
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = RATE
    codec.layout = "mono"
    codec.format = "s16"
    codec.bit_rate = 48000
    codec.time_base = fractions.Fraction(1, RATE)
    packets: list[bytes] = []
    total = int(seconds * RATE) // FRAME
    for i in range(total):
        t = (np.arange(FRAME) + i * FRAME) / RATE
        samples = (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = i * FRAME
        frame.time_base = fractions.Fraction(1, RATE)
        packets += [bytes(p) for p in codec.encode(frame)]
    return packets


class OpusPacketTrack(MediaStreamTrack):
    """Plays pre-encoded Opus packets in a loop, paced at 20 ms."""

    kind = "audio"

    def __init__(self, packets: list[bytes], gate: asyncio.Event | None = None) -> None:
        super().__init__()
        self._packets = packets
        self._index = 0
        self._start: float | None = None
        self.sent = 0
        # Sending waits while the gate is closed (e.g. until every listener
        # is in, or between a benchmark's windows).
        self.gate = gate

    async def recv(self) -> av.Packet[Any]:
        if self.gate is not None and not self.gate.is_set():
            await self.gate.wait()
            # Resume on the clock: no burst of the packets a pause skipped.
            self._start = time.monotonic() - self.sent * FRAME / RATE
        if self._start is None:
            self._start = time.monotonic()
        target = self._start + self.sent * FRAME / RATE
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self._packets[self._index % len(self._packets)])
        packet.pts = self.sent * FRAME
        packet.time_base = fractions.Fraction(1, RATE)
        self._index += 1
        self.sent += 1
        return packet
