"""The H.264 → VP8 transcoder with real codecs: libx264 makes the publisher's
stream (B-frames and 60 fps included), the transcoder's output is decoded back."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from typing import Any

import av
import numpy as np

from server.media.codecs import CodecStats
from server.media.packets import VIDEO_TIME_BASE, EncodedPacket, h264_has_idr, vp8_is_keyframe
from server.media.transcode import PURPOSE, H264ToVp8


def h264_stream(frames: int, fps: int, bframes: int) -> list[EncodedPacket]:
    """A moving picture as a publisher would send it: Annex B access units in
    decode order, each with its presentation time in 90 kHz units."""
    codec = av.CodecContext.create("libx264", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = 320, 240, "yuv420p"
    codec.time_base = Fraction(1, 90000)
    codec.framerate = Fraction(fps, 1)
    codec.options = {"bf": str(bframes), "g": "1000", "preset": "ultrafast"}
    step = 90000 // fps
    packets: list[av.Packet[Any]] = []
    for n in range(frames):
        image = np.zeros((240, 320, 3), dtype=np.uint8)
        image[:, (n * 7) % 320:] = (200, 60, 30)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = n * step
        frame.time_base = Fraction(1, 90000)
        packets += codec.encode(frame)
    packets += codec.encode(None)
    return [EncodedPacket(data=bytes(p), pts=int(p.pts or 0), time_base=VIDEO_TIME_BASE,
                          duration=0) for p in packets]


class Run:
    def __init__(self) -> None:
        self.stats = CodecStats()
        self.out: list[EncodedPacket] = []
        self.asked = 0
        self.transcoder = H264ToVp8(self.stats, self.out.append, self.ask)

    async def ask(self) -> None:
        self.asked += 1

    async def feed(self, packets: list[EncodedPacket], every: float = 0.0) -> None:
        for packet in packets:
            self.transcoder.push(packet)
            await asyncio.sleep(every)
        for _ in range(400):  # until the worker has drained its queue
            await asyncio.sleep(0.01)
            if self.stats.decodes[PURPOSE] >= len(packets) - 1:
                break
        await asyncio.sleep(0.2)
        self.transcoder.close()


def decodes_as_vp8(packets: list[EncodedPacket]) -> int:
    decoder = av.CodecContext.create("libvpx", "r")
    return sum(len(decoder.decode(av.Packet(p.data))) for p in packets)


async def test_b_frames_come_out_in_display_order_with_their_own_times() -> None:
    stream = h264_stream(40, 30, bframes=2)
    decode_order = [p.pts for p in stream]
    assert decode_order != sorted(decode_order), "the stream has B-frames"
    run = Run()
    await run.feed(stream, every=0.02)
    times = [p.pts for p in run.out]
    assert times == sorted(set(times)), "no repeats, never backwards"
    assert set(times) <= set(decode_order)
    assert len(times) >= 35
    assert vp8_is_keyframe(run.out[0].data)
    assert decodes_as_vp8(run.out) == len(run.out)


async def test_sixty_frames_a_second_are_encoded_at_thirty() -> None:
    stream = h264_stream(60, 60, bframes=0)
    run = Run()
    await run.feed(stream, every=0.02)
    assert run.stats.decodes[PURPOSE] == 60
    assert 28 <= len(run.out) <= 31, len(run.out)
    gaps = np.diff([p.pts for p in run.out])
    assert gaps.min() >= 90000 // 30 - 90


async def test_nothing_before_the_first_idr_and_the_publisher_is_asked_once() -> None:
    stream = h264_stream(30, 30, bframes=0)
    assert h264_has_idr(stream[0].data) and not h264_has_idr(stream[1].data)
    run = Run()
    # Joining mid-stream: ten frames that refer to a picture never seen.
    await run.feed(stream[1:11])
    assert run.out == [] and run.stats.decodes[PURPOSE] == 0
    assert run.asked == 1, "keyframe requests are rate-limited, not one per frame"


async def test_a_subscriber_keyframe_request_is_made_by_our_encoder() -> None:
    stream = h264_stream(60, 30, bframes=0)
    run = Run()
    for packet in stream[:30]:
        run.transcoder.push(packet)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.5)
    before = len(run.out)
    await run.transcoder.request_keyframe()
    await run.feed(stream[30:], every=0.02)
    later = run.out[before:]
    assert later and vp8_is_keyframe(later[0].data)
    assert not any(vp8_is_keyframe(p.data) for p in run.out[1:before]), "only on request"
    assert run.asked == 0, "the publisher was not bothered"
