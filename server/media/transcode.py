"""An H.264 publisher's video, made VP8 once for everyone.

Subscribers' video lines are VP8: every browser decodes it, and a recording
keeps one video codec. A publisher that sends only H.264 (OBS Studio's WHIP
output has no VP8) is therefore decoded once and encoded once here, never
per subscriber. The work runs on a worker thread, because a frame costs
milliseconds that the event loop forwarding everyone's packets cannot spare.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import av
from av.video.frame import PictureType

from server.media.codecs import CodecStats, vp8_encoder
from server.media.packets import (
    VIDEO_RATE,
    VIDEO_TIME_BASE,
    EncodedPacket,
    h264_has_idr,
    vp8_is_keyframe,
)

log = logging.getLogger(__name__)

PURPOSE = "h264-to-vp8"
MAX_WIDTH, MAX_HEIGHT = 1280, 720
# Frames waiting for the worker; more means this machine cannot keep up, and
# a viewer is better served by a jump to the present than by growing delay.
BACKLOG = 8
# Every frame is decoded (later ones refer to it), but at most this many a
# second are encoded: a 60 fps publisher costs what a 30 fps one does.
MAX_FPS = 30
MIN_FRAME_GAP = VIDEO_RATE // MAX_FPS - VIDEO_RATE // 1000  # a millisecond of jitter
ASK_INTERVAL = 0.5  # s between keyframe requests to the publisher

PacketSink = Callable[[EncodedPacket], None]
Upstream = Callable[[], Awaitable[None]]


def output_size(width: int, height: int) -> tuple[int, int]:
    """The input's size, scaled down to fit 1280×720, in even numbers (4:2:0)."""
    scale = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


@dataclass(slots=True)
class Converted:
    """What the worker thread made of one H.264 frame."""

    frames: list[tuple[int, bytes]]  # (pts of the picture, VP8 frame)
    decoded: int  # pictures the decoder gave back
    keyframe_used: bool  # whether a forced keyframe went into the encoder


class H264ToVp8:
    """Takes a publisher's H.264 frames (Annex B) and hands VP8 frames to ``sink``."""

    def __init__(self, stats: CodecStats, sink: PacketSink, upstream: Upstream) -> None:
        self._stats = stats
        self._sink = sink
        self._upstream = upstream
        self._decoder = av.CodecContext.create("h264", "r")
        self._encoder: av.VideoCodecContext | None = None
        self._last_encoded: int | None = None
        self._queue: asyncio.Queue[EncodedPacket] = asyncio.Queue()
        # Nothing decodes before an IDR frame: not at the start, and not after
        # frames were dropped (the decoder lost their references).
        self._need_idr = True
        self._keyframe = False
        self._closed = False
        self._asked_at = -ASK_INTERVAL
        self._failures = 0
        self._task = asyncio.ensure_future(self._run())

    def push(self, packet: EncodedPacket) -> None:
        if self._closed:
            return
        if self._need_idr and not h264_has_idr(packet.data):
            self._ask_upstream()
            return
        self._need_idr = False
        if self._queue.qsize() >= BACKLOG:
            while not self._queue.empty():
                self._queue.get_nowait()
            if not h264_has_idr(packet.data):
                self._need_idr = True
                self._ask_upstream()
                return
        self._queue.put_nowait(packet)

    async def request_keyframe(self) -> None:
        """A subscriber's PLI: our own encoder makes the keyframe (the
        publisher need not send an IDR for it)."""
        self._keyframe = True

    def close(self) -> None:
        self._closed = True
        self._task.cancel()

    def _ask_upstream(self) -> None:
        now = time.monotonic()
        if self._closed or now - self._asked_at < ASK_INTERVAL:
            return
        self._asked_at = now
        asyncio.ensure_future(self._upstream()).add_done_callback(_ignore_failure)

    async def _run(self) -> None:
        while True:
            packet = await self._queue.get()
            keyframe, self._keyframe = self._keyframe, False
            try:
                converted = await asyncio.to_thread(self._convert, packet.data, packet.pts,
                                                    keyframe)
            except av.FFmpegError:
                # Damaged in transit: ask the publisher for a fresh start.
                self._keyframe = self._keyframe or keyframe
                self._ask_upstream()
                continue
            except Exception:
                self._keyframe = self._keyframe or keyframe
                self._failed("transcoding an H.264 frame failed")
                continue
            if keyframe and not converted.keyframe_used:
                self._keyframe = True  # the decoder held the picture back: next time
            # Counted here, on the event loop, where every other count is made.
            self._stats.decodes[PURPOSE] += 1
            self._stats.encodes[PURPOSE] += len(converted.frames)
            for pts, data in converted.frames:
                try:
                    self._sink(EncodedPacket(data=data, pts=pts, time_base=VIDEO_TIME_BASE,
                                             duration=0, keyframe=vp8_is_keyframe(data),
                                             arrival=packet.arrival))
                except Exception:
                    self._failed("handing on a transcoded frame failed")

    def _failed(self, what: str) -> None:
        # Once with the traceback; a failure that repeats every frame would
        # otherwise fill the log 30 times a second.
        self._failures += 1
        if self._failures == 1:
            log.exception(what)

    def _convert(self, data: bytes, pts: int, keyframe: bool) -> Converted:
        """On the worker thread: one H.264 frame in, its VP8 frames out,
        stamped with the pictures' own times (a decoder with B-frames gives
        them back later and in display order)."""
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = VIDEO_TIME_BASE
        out = Converted([], 0, False)
        for frame in self._decoder.decode(packet):
            assert isinstance(frame, av.VideoFrame)
            out.decoded += 1
            shown = pts if frame.pts is None else int(frame.pts)
            last = self._last_encoded
            if last is not None and shown - last < MIN_FRAME_GAP and not keyframe:
                continue
            width, height = output_size(frame.width, frame.height)
            encoder = self._encoder
            if encoder is None or (encoder.width, encoder.height) != (width, height):
                # A new size needs a new encoder, which starts with a keyframe.
                bitrate = min(2_500_000, max(300_000, width * height * 3))
                encoder = self._encoder = vp8_encoder(width, height, bitrate)
            image = frame.reformat(width=width, height=height, format="yuv420p")
            image.pts = shown
            image.time_base = VIDEO_TIME_BASE
            if keyframe:
                image.pict_type = PictureType.I
                keyframe, out.keyframe_used = False, True
            self._last_encoded = shown
            out.frames += [(shown, bytes(p)) for p in encoder.encode(image)]
        return out


def _ignore_failure(future: asyncio.Future[None]) -> None:
    # A keyframe request on a transport that is closing: nothing to do.
    if not future.cancelled():
        future.exception()
