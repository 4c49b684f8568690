"""The room's sound card: the mixer's output captured, the PA fed.

Each direction runs in its own thread with small blocks (10 ms). A device
that is not paced by a clock (ALSA's file plugin, some virtual devices)
returns or accepts audio as fast as asked; both threads therefore also pace
themselves on the monotonic clock, which costs nothing with a real card.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from client.venue.drift import DriftBuffer

RATE = 48000
BLOCK = 480  # 10 ms


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # PortAudio is missing
        raise SystemExit(
            f"silkhall venue: PortAudio is not available ({exc}); "
            "install it (Debian: apt-get install libportaudio2)"
        ) from exc
    return sounddevice


def list_devices() -> list[dict[str, Any]]:
    sd = _sounddevice()
    return [dict(d, index=i) for i, d in enumerate(sd.query_devices())]


def _pace(start: float, frames: int) -> None:
    """Sleep if we are more than a block ahead of real time."""
    ahead = start + frames / RATE - time.monotonic()
    if ahead > BLOCK / RATE:
        time.sleep(ahead - BLOCK / RATE)


def rms_dbfs(block: np.ndarray) -> float:
    if block.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
    return max(-120.0, 20 * float(np.log10(rms)) if rms > 0 else -120.0)


class SoundIO:
    """Capture into an asyncio queue; play from a drift-compensating buffer."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        input_device: str | int | None,
        output_device: str | int | None,
        latency: float = 0.06,
    ) -> None:
        self._loop = loop
        self._input = input_device
        self._output = output_device
        self.captured: asyncio.Queue[np.ndarray] = asyncio.Queue(maxsize=50)
        self.playout = DriftBuffer(target=latency)
        self._playout_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.input_level = -120.0
        self.output_level = -120.0
        self.errors: list[str] = []

    def start(self) -> None:
        for target, name in ((self._capture, "venue-capture"), (self._play, "venue-playout")):
            thread = threading.Thread(target=self._guard(target), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _guard(self, body: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                body()
            except Exception as exc:  # surfaced in the status line
                self.errors.append(f"{type(exc).__name__}: {exc}")

        return run

    def push_playout(self, samples: np.ndarray) -> None:
        with self._playout_lock:
            self.playout.push(samples)

    def _capture(self) -> None:
        sd = _sounddevice()
        with sd.InputStream(device=self._input, channels=1, samplerate=RATE, dtype="int16",
                            blocksize=BLOCK) as stream:
            start, frames = time.monotonic(), 0
            while not self._stop.is_set():
                data, _overflow = stream.read(BLOCK)
                block = data[:, 0].astype(np.float32) / 32768.0
                frames += BLOCK
                self.input_level = rms_dbfs(block)
                self._loop.call_soon_threadsafe(self._offer, block)
                _pace(start, frames)

    def _offer(self, block: np.ndarray) -> None:
        if self.captured.full():
            self.captured.get_nowait()  # never let capture latency grow
        self.captured.put_nowait(block)

    def _play(self) -> None:
        sd = _sounddevice()
        with sd.OutputStream(device=self._output, channels=1, samplerate=RATE, dtype="int16",
                             blocksize=BLOCK) as stream:
            start, frames = time.monotonic(), 0
            while not self._stop.is_set():
                with self._playout_lock:
                    block = self.playout.pull(BLOCK)
                self.output_level = rms_dbfs(block)
                stream.write(np.clip(block * 32767, -32768, 32767).astype(np.int16))
                frames += BLOCK
                _pace(start, frames)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
