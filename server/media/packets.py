"""Encoded media units as the media plane passes them around.

Pure module: no I/O. An :class:`EncodedPacket` is one Opus packet or one whole
VP8 frame, exactly as the publisher encoded it. aiortc's ``RTCRtpSender`` packs
any object with ``pts``, ``time_base`` and ``__bytes__`` without encoding it,
so these objects go straight to subscribers' senders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

AUDIO_RATE = 48000
VIDEO_RATE = 90000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
VIDEO_TIME_BASE = Fraction(1, VIDEO_RATE)
OPUS_FRAME = 960  # 20 ms at 48 kHz: what browsers and our encoders send

# Opus "silence" frame (RFC 6716 TOC 0xF8: CELT FB 20 ms, one frame, empty body)
# that decoders play as digital silence; sent so a muted channel keeps its clock.
OPUS_SILENCE = b"\xf8\xff\xfe"


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One encoded media unit, shared read-only by every subscriber."""

    data: bytes
    pts: int
    time_base: Fraction
    duration: int = OPUS_FRAME
    keyframe: bool = True
    # RFC 6464 level in -dBov (0 = loudest, 127 = silence); None if not sent.
    audio_level: int | None = None
    arrival: float = field(default=0.0, compare=False)

    def __bytes__(self) -> bytes:
        return self.data


@dataclass(slots=True)
class RebasedPacket:
    """A view of a shared packet with a subscriber's own timestamp."""

    data: bytes
    pts: int
    time_base: Fraction
    arrival: float = 0.0
    duration: int = OPUS_FRAME
    keyframe: bool = True

    def __bytes__(self) -> bytes:
        return self.data


_SILK_CELT_MS = (10.0, 20.0, 40.0, 60.0)
_HYBRID_MS = (10.0, 20.0)
_CELT_MS = (2.5, 5.0, 10.0, 20.0)


def opus_duration(data: bytes) -> int:
    """Samples at 48 kHz carried by one Opus packet (RFC 6716 section 3.1)."""
    if not data:
        return 0
    toc = data[0]
    config = toc >> 3
    if config < 12:
        frame_ms = _SILK_CELT_MS[config % 4]
    elif config < 16:
        frame_ms = _HYBRID_MS[config % 2]
    else:
        frame_ms = _CELT_MS[config % 4]
    code = toc & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        frames = data[1] & 0x3F if len(data) > 1 else 0
    return int(frame_ms * 48 * frames)


def h264_has_idr(frame: bytes) -> bool:
    """True if an Annex B access unit holds an IDR slice (NAL unit type 5):
    the only place an H.264 decoder can start or restart."""
    start = frame.find(b"\x00\x00\x01")
    while 0 <= start < len(frame) - 3:
        if frame[start + 3] & 0x1F == 5:
            return True
        start = frame.find(b"\x00\x00\x01", start + 3)
    return False


def vp8_is_keyframe(frame: bytes) -> bool:
    """True for a VP8 key frame (RFC 6386 section 9.1: P bit clear)."""
    return bool(frame) and (frame[0] & 0x01) == 0


class TimestampUnwrapper:
    """Turns 32-bit RTP timestamps into a monotonic 64-bit count.

    Tolerates reordering: a timestamp within half the range behind the last
    one is taken as late, not as a wrap.
    """

    __slots__ = ("_cycles", "_last")

    def __init__(self) -> None:
        self._last: int | None = None
        self._cycles = 0

    def unwrap(self, timestamp: int) -> int:
        if self._last is None:
            self._last = timestamp
            return timestamp
        delta = (timestamp - self._last) & 0xFFFFFFFF
        if delta < 0x80000000:
            if timestamp < self._last:
                self._cycles += 1
            self._last = timestamp
            return self._cycles * 0x100000000 + timestamp
        # late packet: belongs to this cycle unless it is from before the wrap
        cycles = self._cycles - 1 if timestamp > self._last else self._cycles
        return cycles * 0x100000000 + timestamp


class Rebaser:
    """Keeps an output timeline continuous while its input source changes.

    Within one source the source's own spacing is kept (gaps from DTX stay
    gaps); on a switch the new source is placed right after the last output,
    at least one frame later, or later still if wall time has passed.
    """

    __slots__ = ("_last_out", "_last_wall", "_offset", "_rate", "_source")

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._source: object | None = None
        self._offset = 0
        self._last_out: int | None = None
        self._last_wall = 0.0

    def rebase(self, source: object, pts: int, duration: int, now: float) -> int:
        if source is not self._source:
            self._source = source
            if self._last_out is None:
                self._offset = -pts
            else:
                elapsed = int((now - self._last_wall) * self._rate)
                target = self._last_out + max(duration, elapsed)
                self._offset = target - pts
        out = pts + self._offset
        if self._last_out is not None and out <= self._last_out - self._rate:
            # The source jumped backwards by more than a second (restarted
            # publisher): re-anchor instead of sending time backwards.
            self._source = None
            return self.rebase(source, pts, duration, now)
        self._last_out = out
        self._last_wall = now
        return out
