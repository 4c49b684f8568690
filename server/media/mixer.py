"""The floor: the meeting's original sound, mixed once.

Each floor source (open microphones, venue feeds, media played in) is decoded
once; every 20 ms the mixer sums them, limits the sum and encodes it once per
output. The main output is the floor itself; a venue gets a mix-minus output
without its own feed, so its room never hears itself back. Outputs nobody
listens to are not encoded.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

import numpy as np

from server.media.codecs import CodecStats, Limiter, OpusDecoder, OpusEncoder
from server.media.packets import AUDIO_TIME_BASE, OPUS_FRAME, EncodedPacket
from server.media.tracks import Source

TICK = OPUS_FRAME / 48000  # 20 ms
PRIME_FRAMES = 2  # samples buffered per source before it is mixed (jitter)
MAX_BUFFER_FRAMES = 6  # beyond this the oldest samples go: bounded latency
MAX_PENDING = 50


def _dbov(block: np.ndarray) -> float:
    """RFC 6464 level of a block: -dBov, 0 loudest, 127 silence."""
    rms = float(np.sqrt(np.mean(np.square(block)))) if block.size else 0.0
    if rms <= 1e-7:
        return 127.0
    return min(127.0, max(0.0, -20 * float(np.log10(rms))))


class _Input:
    """One floor source: encoded packets waiting, decoded samples buffered."""

    def __init__(self, source: Source, stats: CodecStats) -> None:
        self.source = source
        self._decoder = OpusDecoder(stats, "floor-mix")
        self.pending: deque[EncodedPacket] = deque(maxlen=MAX_PENDING)
        self._pcm = np.zeros(0, dtype=np.float32)
        self._primed = False

    def deliver(self, packet: EncodedPacket) -> None:
        self.pending.append(packet)

    def take(self) -> np.ndarray | None:
        """Decode what arrived; return the next 20 ms, or None if starved."""
        while self.pending:
            packet = self.pending.popleft()
            self._pcm = np.concatenate((self._pcm, self._decoder.decode(packet.data, packet.pts)))
        if self._pcm.size > MAX_BUFFER_FRAMES * OPUS_FRAME:
            self._pcm = self._pcm[-PRIME_FRAMES * OPUS_FRAME :]
        if not self._primed:
            if self._pcm.size < PRIME_FRAMES * OPUS_FRAME:
                return None
            self._primed = True
        if self._pcm.size < OPUS_FRAME:
            self._primed = False
            return None
        block, self._pcm = self._pcm[:OPUS_FRAME], self._pcm[OPUS_FRAME:]
        return block

    def drop_pending(self) -> None:
        self.pending.clear()
        self._pcm = np.zeros(0, dtype=np.float32)
        self._primed = False


class MixOutput:
    """One encoded mix: the floor, or the floor minus some sources."""

    def __init__(self, source: Source, exclude: frozenset[str], stats: CodecStats) -> None:
        self.source = source
        self.exclude = exclude
        self._encoder = OpusEncoder(stats, "floor-mix")
        self._limiter = Limiter()
        self._pts = 0

    def emit(self, mixed: np.ndarray, now: float) -> None:
        block = self._limiter.process(mixed)
        for data in self._encoder.encode(block):
            self.source.publish(
                EncodedPacket(
                    data=data,
                    pts=self._pts,
                    time_base=AUDIO_TIME_BASE,
                    duration=OPUS_FRAME,
                    arrival=now,
                )
            )
            self._pts += OPUS_FRAME


class FloorMixer:
    """Mixes the floor sources of one meeting on a 20 ms clock."""

    def __init__(self, meeting_id: str, stats: CodecStats) -> None:
        self._stats = stats
        self._meeting = meeting_id
        self.floor = Source(f"{meeting_id}/floor", "audio", "Floor", channel="floor")
        self._inputs: dict[str, _Input] = {}
        self._outputs: dict[frozenset[str], MixOutput] = {
            frozenset(): MixOutput(self.floor, frozenset(), stats)
        }
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0

    @property
    def source_ids(self) -> list[str]:
        return list(self._inputs)

    def set_sources(self, sources: list[Source]) -> None:
        wanted = {s.id: s for s in sources}
        for source_id in list(self._inputs):
            if source_id not in wanted:
                gone = self._inputs.pop(source_id)
                gone.source.remove_sink(gone.deliver)
        for source_id, source in wanted.items():
            if source_id not in self._inputs:
                entry = _Input(source, self._stats)
                self._inputs[source_id] = entry
                source.add_sink(entry.deliver)

    def minus(self, exclude: frozenset[str], label: str) -> Source:
        """The floor without ``exclude`` (a venue's own feed), made on demand."""
        if not exclude:
            return self.floor
        output = self._outputs.get(exclude)
        if output is None:
            source = Source(
                f"{self._meeting}/floor-minus/{'+'.join(sorted(exclude))}",
                "audio",
                label,
                channel="floor",
            )
            output = self._outputs[exclude] = MixOutput(source, exclude, self._stats)
        return output.source

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.set_sources([])

    async def _run(self) -> None:
        next_tick = time.monotonic()
        while True:
            now = time.monotonic()
            if now - next_tick > 0.2:
                next_tick = now  # we stalled: skip ahead rather than burst
            self.tick(now)
            self.ticks += 1
            next_tick += TICK
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    def tick(self, now: float) -> None:
        for exclude in [e for e, o in self._outputs.items() if e and o.source.sink_count == 0]:
            # A mix-minus nobody listens to any more (its venue left): drop
            # it with its encoder; it is made again if needed.
            del self._outputs[exclude]
        live = [o for o in self._outputs.values() if o.source.sink_count > 0]
        if not live:
            for entry in self._inputs.values():
                entry.drop_pending()
            return
        blocks: dict[str, np.ndarray] = {}
        for source_id, entry in self._inputs.items():
            block = entry.take()
            if block is not None:
                blocks[source_id] = block
                if not entry.source.reports_level:
                    entry.source.smooth_level(_dbov(block))
        total = np.zeros(OPUS_FRAME, dtype=np.float32)
        for block in blocks.values():
            total += block
        for output in live:
            mixed = total
            excluded = [blocks[s] for s in output.exclude if s in blocks]
            if excluded:
                mixed = total - np.sum(excluded, axis=0)
            output.emit(mixed, now)
