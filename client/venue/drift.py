"""The playout buffer between the network and the PA's sound card (pure).

The network delivers audio on the server's clock; the sound card consumes it
on its own crystal, a little faster or slower. Left alone the buffer would
run dry or grow without end. This buffer keeps its fill near a target by
resampling by a tiny, slowly adjusted ratio (at most ±0.5%, inaudible),
and only as a last resort drops or repeats audio when a burst or a stall
throws it far off.
"""

from __future__ import annotations

import numpy as np

RATE = 48000


class DriftBuffer:
    def __init__(
        self,
        target: float = 0.06,
        limit: float = 0.25,
        max_correction: float = 0.005,
        rate: int = RATE,
    ) -> None:
        self.rate = rate
        self.target = round(target * rate)
        self.limit = round(limit * rate)
        self.max_correction = max_correction
        self._buffer = np.zeros(0, dtype=np.float32)
        self._phase = 0.0  # fractional read position into the buffer
        self._ratio = 1.0
        self._smoothed_fill = float(self.target)
        self._started = False
        self.underruns = 0
        self.dropped = 0

    @property
    def fill(self) -> float:
        """Seconds of audio waiting: the latency this buffer adds now."""
        return (self._buffer.size - self._phase) / self.rate

    @property
    def ratio(self) -> float:
        return self._ratio

    def push(self, samples: np.ndarray) -> None:
        self._buffer = np.concatenate((self._buffer, samples.astype(np.float32)))
        excess = self._buffer.size - self.limit
        if excess > 0:
            # Far too much (a burst after a stall): drop the oldest, keep the target.
            cut = self._buffer.size - self.target
            self._buffer = self._buffer[cut:]
            self._phase = 0.0
            self.dropped += cut

    def pull(self, count: int) -> np.ndarray:
        """``count`` samples for the sound card (silence while starved)."""
        if not self._started:
            if self._buffer.size < self.target:
                return np.zeros(count, dtype=np.float32)
            self._started = True
        self._adjust()
        positions = self._phase + np.arange(count) * self._ratio
        needed = int(np.ceil(positions[-1])) + 2 if count else 0
        if needed > self._buffer.size:
            self.underruns += 1
            self._started = False
            out = np.zeros(count, dtype=np.float32)
            available = self._buffer[int(self._phase):]
            out[: min(count, available.size)] = available[:count]
            self._buffer = np.zeros(0, dtype=np.float32)
            self._phase = 0.0
            return out
        base = np.floor(positions).astype(np.int64)
        frac = (positions - base).astype(np.float32)
        mixed: np.ndarray = self._buffer[base] * (1 - frac) + self._buffer[base + 1] * frac
        consumed = self._phase + count * self._ratio
        whole = int(consumed)
        self._buffer = self._buffer[whole:]
        self._phase = consumed - whole
        return mixed

    def _adjust(self) -> None:
        fill = self._buffer.size - self._phase
        self._smoothed_fill += (fill - self._smoothed_fill) * 0.02
        error = (self._smoothed_fill - self.target) / self.target
        # Proportional: 1% faster when a whole target too full (clamped), so a
        # card 0.3% off settles within a third of the target.
        correction = max(-self.max_correction, min(self.max_correction, error * 0.01))
        self._ratio = 1.0 + correction
