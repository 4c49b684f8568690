"""Cheap runtime measurements the server exposes at ``/metrics``.

Latency is sampled (one packet in ``sample_every``) so measuring costs next
to nothing on the forwarding path.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class Reservoir:
    """The most recent samples of a quantity, with percentiles."""

    def __init__(self, size: int = 20000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add(self, value: float) -> None:
        self._samples.append(value)

    def clear(self) -> None:
        self._samples.clear()

    def __len__(self) -> int:
        return len(self._samples)

    def percentiles(self, *points: float) -> dict[str, float | None]:
        if not self._samples:
            return {f"p{p:g}": None for p in points}
        ordered = sorted(self._samples)
        last = len(ordered) - 1
        return {f"p{p:g}": ordered[min(last, round(p / 100 * last))] for p in points}


class LatencySampler:
    """Takes one sample in ``every`` into a reservoir (see DownTrack)."""

    def __init__(self, reservoir: Reservoir, every: int) -> None:
        self._reservoir = reservoir
        self.every = every

    def add(self, seconds: float) -> None:
        self._reservoir.add(seconds)


class Metrics:
    def __init__(self, sample_every: int = 16) -> None:
        self.sample_every = sample_every
        # seconds from a packet's arrival to its hand-off to a subscriber's sender
        self.forward_latency = Reservoir()
        # how late the event loop runs a timer (seconds)
        self.loop_lag = Reservoir()
        self.sampler = LatencySampler(self.forward_latency, sample_every)

    def snapshot(self) -> dict[str, object]:
        def ms(reservoir: Reservoir) -> dict[str, object]:
            values = reservoir.percentiles(50, 95, 99)
            return {
                "samples": len(reservoir),
                **{k: None if v is None else round(v * 1000, 3) for k, v in values.items()},
            }

        return {"forward_latency_ms": ms(self.forward_latency), "loop_lag_ms": ms(self.loop_lag)}

    def reset(self) -> None:
        self.forward_latency.clear()
        self.loop_lag.clear()

    async def watch_loop(self, interval: float = 0.05) -> None:
        """Measure event-loop lag until cancelled."""
        while True:
            start = time.monotonic()
            await asyncio.sleep(interval)
            self.loop_lag.add(max(0.0, time.monotonic() - start - interval))
