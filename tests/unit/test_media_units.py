"""The media plane's small parts: packets, timestamps, down tracks, sources."""

from __future__ import annotations

import asyncio

import pytest

from server.media.packets import (
    AUDIO_TIME_BASE,
    VIDEO_TIME_BASE,
    EncodedPacket,
    Rebaser,
    TimestampUnwrapper,
    h264_has_idr,
    opus_duration,
    vp8_is_keyframe,
)
from server.media.tracks import DownTrack, Source
from server.media.transcode import output_size


def audio(pts: int, at: float = 0.0) -> EncodedPacket:
    return EncodedPacket(b"\xfc" + bytes(20), pts, AUDIO_TIME_BASE, 960, True, 40, at)


@pytest.mark.parametrize(
    ("toc", "samples"),
    [(0xF8, 960),  # CELT FB 20 ms, one frame
     (0xFC, 960), (0x78, 960),  # SILK WB 20 ms
     (0x79, 1920),  # two frames
     (0xE0, 120),  # CELT 2.5 ms
     (0x1B, 2880 * 2)],  # SILK NB 60 ms, code 3 with a count byte of 2 below
)
def test_opus_duration(toc: int, samples: int) -> None:
    data = bytes([toc, 0x02]) if toc & 3 == 3 else bytes([toc])
    assert opus_duration(data) == samples


def test_vp8_keyframe_bit() -> None:
    assert vp8_is_keyframe(b"\x10\x02\x00") and not vp8_is_keyframe(b"\x11\x02\x00")
    assert not vp8_is_keyframe(b"")


def test_timestamps_unwrap_across_the_32_bit_edge_and_tolerate_late_packets() -> None:
    unwrap = TimestampUnwrapper()
    assert unwrap.unwrap(0xFFFFFC00) == 0xFFFFFC00
    assert unwrap.unwrap(0x00000200) == 0x100000200
    assert unwrap.unwrap(0xFFFFFE00) == 0xFFFFFE00  # late, from before the wrap
    assert unwrap.unwrap(0x00000600) == 0x100000600


def test_rebaser_keeps_one_timeline_across_sources() -> None:
    rebase = Rebaser(48000)
    a, b = object(), object()
    first = [rebase.rebase(a, 5000 + i * 960, 960, i * 0.02) for i in range(3)]
    assert first == [0, 960, 1920]
    # Another source with unrelated timestamps, 100 ms later: placed after.
    switched = rebase.rebase(b, 123_456_789, 960, 0.14)
    assert switched == 1920 + round(0.1 * 48000)
    assert rebase.rebase(b, 123_456_789 + 960, 960, 0.16) == switched + 960


async def test_down_track_queue_is_bounded_and_drops_the_oldest() -> None:
    source = Source("p/mic", "audio")
    track = DownTrack("audio", capacity=4)
    track.attach(source)
    for i in range(10):
        source.publish(audio(i * 960, i * 0.02))
    assert track.dropped == 6
    received = [await track.recv() for _ in range(4)]
    assert [p.pts for p in received] == [6 * 960, 7 * 960, 8 * 960, 9 * 960]


async def test_video_down_track_waits_for_a_keyframe_and_asks_upstream() -> None:
    asked: list[int] = []

    async def request() -> None:
        asked.append(1)

    source = Source("p/camera", "video")
    source.set_keyframe_requester(request)
    track = DownTrack("video", capacity=8)
    track.attach(source)
    await asyncio.sleep(0)
    assert asked == [1], "attaching asks the publisher for a keyframe"
    source.publish(EncodedPacket(b"\x11", 0, VIDEO_TIME_BASE, 0, False))
    assert track.delivered == 0, "a delta frame before the keyframe is useless"
    source.publish(EncodedPacket(b"\x10", 3000, VIDEO_TIME_BASE, 0, True))
    source.publish(EncodedPacket(b"\x11", 6000, VIDEO_TIME_BASE, 0, False))
    assert track.delivered == 2
    track.request_keyframe()  # a subscriber's PLI: rate-limited upstream
    await asyncio.sleep(0)
    assert asked == [1]


def test_source_tells_producers_when_anyone_listens() -> None:
    source = Source("m/channel/zh", "audio")
    demand: list[bool] = []
    source.on_demand = demand.append

    def sink(packet: EncodedPacket) -> None: ...

    def other(packet: EncodedPacket) -> None: ...

    source.add_sink(sink)
    source.add_sink(other)
    source.remove_sink(sink)
    source.remove_sink(other)
    assert demand == [True, False]


def test_h264_idr_is_found_behind_any_start_code() -> None:
    sps, pps, idr, non_idr = b"\x67\x42", b"\x68\xce", b"\x65\x88", b"\x41\x9a"
    assert h264_has_idr(b"\x00\x00\x00\x01" + sps + b"\x00\x00\x01" + pps
                        + b"\x00\x00\x00\x01" + idr)
    assert not h264_has_idr(b"\x00\x00\x00\x01" + non_idr)
    assert not h264_has_idr(b"")
    assert not h264_has_idr(b"\x00\x00\x01")  # a start code with nothing behind it


@pytest.mark.parametrize(("size", "expected"), [
    ((640, 480), (640, 480)),
    ((1920, 1080), (1280, 720)),
    ((1080, 1920), (404, 720)),  # portrait: the height decides
    ((641, 361), (640, 360)),  # 4:2:0 needs even sizes
])
def test_transcoded_size_fits_720p_in_even_numbers(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert output_size(*size) == expected
