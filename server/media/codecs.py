"""Opus decode/encode for the few places that must touch samples (the floor
mix, channel limiters), with every operation counted.

Counting is how tests prove that forwarding does no codec work: all codec
operations the server performs go through :class:`CodecStats`-counted
objects made here.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import av
import numpy as np

from server.media.packets import AUDIO_RATE, AUDIO_TIME_BASE, OPUS_FRAME

FloatBlock = np.ndarray


class CodecStats:
    """Counts of codec operations by purpose ("floor-mix", "limiter", ...)."""

    def __init__(self) -> None:
        self.decodes: Counter[str] = Counter()
        self.encodes: Counter[str] = Counter()

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {"decodes": dict(self.decodes), "encodes": dict(self.encodes)}


class OpusDecoder:
    """One source's decoder: Opus packets in, mono float samples out."""

    def __init__(self, stats: CodecStats, purpose: str) -> None:
        self._stats = stats
        self._purpose = purpose
        self._codec = av.CodecContext.create("libopus", "r")
        self._codec.sample_rate = AUDIO_RATE
        self._codec.layout = "mono"

    def decode(self, data: bytes, pts: int) -> FloatBlock:
        self._stats.decodes[self._purpose] += 1
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = AUDIO_TIME_BASE
        try:
            frames = self._codec.decode(packet)
        except av.FFmpegError:
            return np.zeros(0, dtype=np.float32)
        blocks = [_to_mono_float(f) for f in frames]
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


class OpusEncoder:
    """Mono float blocks of 20 ms in, one Opus packet each out."""

    def __init__(self, stats: CodecStats, purpose: str, bitrate: int = 64000) -> None:
        self._stats = stats
        self._purpose = purpose
        self._codec = av.CodecContext.create("libopus", "w")
        self._codec.sample_rate = AUDIO_RATE
        self._codec.layout = "mono"
        self._codec.format = "s16"
        self._codec.bit_rate = bitrate
        self._codec.time_base = Fraction(1, AUDIO_RATE)
        self._codec.options = {"application": "audio", "frame_duration": "20"}
        self._pts = 0

    def encode(self, block: FloatBlock) -> list[bytes]:
        self._stats.encodes[self._purpose] += 1
        samples = np.clip(block * 32767.0, -32768, 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._pts
        frame.time_base = AUDIO_TIME_BASE
        self._pts += samples.size
        return [bytes(p) for p in self._codec.encode(frame)]


def vp8_encoder(width: int, height: int, bitrate: int) -> av.VideoCodecContext:
    """A real-time VP8 encoder: no look-ahead (each frame comes out as it goes
    in), a keyframe at least every 50 frames. Callers count their encodes."""
    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate = bitrate
    codec.time_base = Fraction(1, 90000)
    codec.gop_size = 50
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    return codec


def _to_mono_float(frame: av.AudioFrame) -> FloatBlock:
    data = frame.to_ndarray()
    if data.dtype == np.int16:
        samples = data.astype(np.float32) / 32768.0
    else:
        samples = data.astype(np.float32)
    if samples.ndim == 2 and samples.shape[0] > 1:
        samples = samples.mean(axis=0)
    return samples.reshape(-1)


class Limiter:
    """Peak limiter: instant attack, ~0.5 s release, hard ceiling.

    Keeps every sample at or below ``ceiling`` (linear); the gain ramps across
    a block so gain changes do not click.
    """

    def __init__(self, ceiling_db: float = -1.5, release_per_block: float = 0.04) -> None:
        self.ceiling = float(10 ** (ceiling_db / 20))
        self._release = release_per_block
        self._gain = 1.0

    def process(self, block: FloatBlock) -> FloatBlock:
        peak = float(np.max(np.abs(block))) if block.size else 0.0
        wanted = min(1.0, self.ceiling / peak) if peak > 0 else 1.0
        target = wanted if wanted < self._gain else min(1.0, self._gain + self._release)
        ramp = np.linspace(self._gain, target, block.size, dtype=np.float32)
        self._gain = target
        out = block * ramp
        np.clip(out, -self.ceiling, self.ceiling, out=out)
        return out


SILENCE_BLOCK = np.zeros(OPUS_FRAME, dtype=np.float32)
