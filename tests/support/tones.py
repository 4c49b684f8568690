"""Real signals for media tests: tone sources and a frequency meter."""

from __future__ import annotations

import asyncio
import fractions
import time
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame

RATE = 48000
FRAME = 960


class ToneTrack(MediaStreamTrack):
    """A paced 48 kHz mono sine at a chosen frequency, 20 ms per frame."""

    kind = "audio"

    def __init__(self, frequency: float, amplitude: float = 0.5) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        target = self._start + self._pts / RATE
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = (np.arange(FRAME) + self._pts) / RATE
        samples = (self.amplitude * 32767 * np.sin(2 * np.pi * self.frequency * t)).astype(
            np.int16
        )
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += FRAME
        return frame


def frame_to_mono(frame: Any) -> np.ndarray:
    """Float mono samples of a decoded aiortc AudioFrame (s16, any layout)."""
    data = frame.to_ndarray().astype(np.float64)
    channels = len(frame.layout.channels)
    if data.shape[0] == 1 and channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    else:
        data = data.mean(axis=0)
    return np.asarray(data / 32768.0, dtype=np.float64)


def dominant_frequency(samples: np.ndarray, rate: int = RATE) -> float:
    """Frequency of the strongest bin of a Hann-windowed FFT."""
    if samples.size < rate // 10:
        return 0.0
    windowed = samples * np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(windowed))
    spectrum[0] = 0.0
    return float(np.argmax(spectrum) * rate / samples.size)


def tone_power(samples: np.ndarray, frequency: float, rate: int = RATE) -> float:
    """Power of the signal within ±5 Hz of a frequency."""
    windowed = samples * np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(windowed)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    band = (freqs > frequency - 5) & (freqs < frequency + 5)
    return float(spectrum[band].sum())


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


class AudioCollector:
    """Reads a remote audio track into a growing float buffer."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.track = track
        self.chunks: list[tuple[float, np.ndarray]] = []
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            while True:
                frame = await self.track.recv()
                self.chunks.append((time.monotonic(), frame_to_mono(frame)))
        except Exception:
            return

    def samples(self, since: float = 0.0) -> np.ndarray:
        parts = [c for t, c in self.chunks if t >= since]
        return np.concatenate(parts) if parts else np.zeros(0)

    def last(self, seconds: float) -> np.ndarray:
        return self.samples(time.monotonic() - seconds)

    async def stop(self) -> None:
        self.task.cancel()
