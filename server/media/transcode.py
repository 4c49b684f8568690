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
from collections.abc import Awaitable, Callable

import av
from av.video.frame import PictureType

from server.media.codecs import CodecStats, vp8_encoder
from server.media.packets import VIDEO_TIME_BASE, EncodedPacket, h264_has_idr, vp8_is_keyframe

log = logging.getLogger(__name__)

PURPOSE = "h264-to-vp8"
MAX_WIDTH, MAX_HEIGHT = 1280, 720
# Frames waiting for the worker; more means this machine cannot keep up, and
# a viewer is better served by a jump to the present than by growing delay.
BACKLOG = 8

PacketSink = Callable[[EncodedPacket], None]
Upstream = Callable[[], Awaitable[None]]


def output_size(width: int, height: int) -> tuple[int, int]:
    """The input's size, scaled down to fit 1280×720, in even numbers (4:2:0)."""
    scale = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class H264ToVp8:
    """Takes a publisher's H.264 frames (Annex B) and hands VP8 frames to ``sink``."""

    def __init__(self, stats: CodecStats, sink: PacketSink, upstream: Upstream) -> None:
        self._stats = stats
        self._sink = sink
        self._upstream = upstream
        self._decoder = av.CodecContext.create("h264", "r")
        self._encoder: av.VideoCodecContext | None = None
        self._queue: asyncio.Queue[EncodedPacket] = asyncio.Queue()
        # After frames were dropped the decoder has lost its references:
        # nothing is decoded until the next IDR frame.
        self._need_idr = False
        self._keyframe = False
        self._asked: asyncio.Future[None] | None = None
        self._task = asyncio.ensure_future(self._run())

    def push(self, packet: EncodedPacket) -> None:
        if self._need_idr and not h264_has_idr(packet.data):
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
        self._task.cancel()

    def _ask_upstream(self) -> None:
        if self._asked is None or self._asked.done():
            self._asked = asyncio.ensure_future(self._upstream())

    async def _run(self) -> None:
        while True:
            packet = await self._queue.get()
            keyframe, self._keyframe = self._keyframe, False
            try:
                frames = await asyncio.to_thread(self._convert, packet.data, packet.pts,
                                                 keyframe)
            except av.FFmpegError:
                # Undecodable (a frame before the first IDR, or damaged in
                # transit): ask the publisher for a fresh start.
                self._ask_upstream()
                continue
            except Exception:
                log.exception("transcoding an H.264 frame failed")
                continue
            # Counted here, on the event loop, where every other count is made.
            self._stats.decodes[PURPOSE] += 1
            self._stats.encodes[PURPOSE] += len(frames)
            for data in (d for frame in frames for d in frame):
                self._sink(EncodedPacket(data=data, pts=packet.pts, time_base=VIDEO_TIME_BASE,
                                         duration=0, keyframe=vp8_is_keyframe(data),
                                         arrival=packet.arrival))

    def _convert(self, data: bytes, pts: int, keyframe: bool) -> list[list[bytes]]:
        """On the worker thread: one H.264 frame in, its VP8 frames out."""
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = VIDEO_TIME_BASE
        out: list[list[bytes]] = []
        for frame in self._decoder.decode(packet):
            assert isinstance(frame, av.VideoFrame)
            width, height = output_size(frame.width, frame.height)
            encoder = self._encoder
            if encoder is None or (encoder.width, encoder.height) != (width, height):
                # A new size needs a new encoder, which starts with a keyframe.
                bitrate = min(2_500_000, max(300_000, width * height * 3))
                encoder = self._encoder = vp8_encoder(width, height, bitrate)
            image = frame.reformat(width=width, height=height, format="yuv420p")
            image.pts = pts
            image.time_base = VIDEO_TIME_BASE
            if keyframe:
                image.pict_type = PictureType.I
                keyframe = False
            out.append([bytes(p) for p in encoder.encode(image)])
        return out
