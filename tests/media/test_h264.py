"""A publisher that sends only H.264 (OBS Studio's WHIP output has no VP8):
its video is made VP8 once on the server, never per subscriber, and a browser
decodes it. A publisher that offers VP8 too is answered VP8 only and costs nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiortc.mediastreams import VideoStreamTrack

from server.media.transcode import PURPOSE
from tests.support.codec_spy import count_calls
from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = [pytest.mark.media, pytest.mark.browser]

FRAMES = """(async () => {
  const stats = window.silkhall.peer ? await window.silkhall.peer.videoStats() : {};
  return Object.values(stats).reduce((n, s) => n + s.framesDecoded, 0);
})()"""


class CountedVideo(VideoStreamTrack):
    """aiortc's test video, counting the frames handed to the encoder."""

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0

    async def recv(self) -> Any:
        frame = await super().recv()
        self.frames += 1
        return frame


def video_payload_names(sdp: str) -> list[str]:
    """The codec names of the answer's video line, in its order."""
    section = sdp.split("m=video", 1)[1].split("m=", 1)[0]
    return [line.split(" ", 1)[1].split("/", 1)[0].lower()
            for line in section.splitlines() if line.startswith("a=rtpmap:")]


async def test_h264_only_publisher_is_made_vp8_once(
    server: LiveServer, playwright: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stats = server.services.stats
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440), video=(camera := CountedVideo()),
                              video_codecs=("h264",))
    viewers = [SignallingClient(server.ws_url, server.token("delegate"), tap=True)
               for _ in range(3)]
    delegate = await BrowserParticipant.open(playwright, tmp_path, 200, amplitude=0.0)
    try:
        response = await publisher.start()
        assert response.status_code == 201, response.text
        assert video_payload_names(response.text)[0] == "h264"
        await delegate.goto(f"{server.base}/delegate/demo#token={server.token('delegate')}")
        await delegate.page.click("#join")
        await delegate.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)
        for viewer in viewers:
            await viewer.join()
            await viewer.wait_connected()

        # Chromium's video line is VP8 only: frames it decodes are VP8.
        first = await delegate.wait_until(FRAMES, timeout=20)
        later = await delegate.wait_until(
            f"(async () => {{ const n = await {FRAMES}; return n > {first} + 20 && n; }})()",
            timeout=20)
        assert later > first + 20

        # With four subscribers watching, measure the work over a window.
        counts: Counter[str] = Counter()
        count_calls(monkeypatch, counts)
        decodes, encodes = stats.decodes[PURPOSE], stats.encodes[PURPOSE]
        sent = camera.frames
        packets = {id(v): sum(v.packets.get(m, 0) for m in v.mids("video")) for v in viewers}
        await asyncio.sleep(3.0)
        decoded = stats.decodes[PURPOSE] - decodes
        encoded = stats.encodes[PURPOSE] - encodes
        sent = camera.frames - sent
        # Each frame the publisher sent is decoded and encoded once (give or
        # take the few in flight at the window's edges), not once for each
        # of the four subscribers.
        assert sent > 10 and 0 < decoded <= sent + 5, (sent, decoded)
        assert encoded <= decoded
        for viewer in viewers:
            received = sum(viewer.packets.get(m, 0) for m in viewer.mids("video"))
            assert received - packets[id(viewer)] > 5, "video reaches every viewer"
        # Subscribers' senders encode nothing (the aiortc codecs stay idle
        # on the server; the publisher's own H.264 encoder runs in this process).
        assert counts["Vp8Encoder.encode"] == 0 and counts["H264Decoder.decode"] == 0, counts
        no_page_errors = await delegate.evaluate("window.silkhall.mediaState")
        assert no_page_errors == "connected"
    finally:
        await delegate.close()
        for viewer in viewers:
            await viewer.close()
        await publisher.stop()


async def test_a_publisher_offering_vp8_too_is_answered_vp8_only(server: LiveServer) -> None:
    stats = server.services.stats
    before = stats.decodes[PURPOSE]
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440), video=VideoStreamTrack(),
                              video_codecs=("h264", "vp8"))
    viewer = SignallingClient(server.ws_url, server.token("delegate"), tap=True)
    try:
        response = await publisher.start()
        assert response.status_code == 201, response.text
        assert video_payload_names(response.text) == ["vp8", "rtx"]
        await viewer.join()
        await viewer.wait_connected()
        await asyncio.sleep(2.0)
        assert sum(viewer.packets.get(m, 0) for m in viewer.mids("video")) > 10
        assert stats.decodes[PURPOSE] == before, "VP8 goes through without a transcode"
    finally:
        await viewer.close()
        await publisher.stop()
