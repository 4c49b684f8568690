"""A subscriber that starts watching a camera gets a keyframe at once: the
server asks the publisher for one (RTCP PLI upstream), having no encoder of
its own."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.mediastreams import VideoStreamTrack

from tests.support.live import LiveServer
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media


async def test_new_viewer_makes_the_publisher_send_a_keyframe(server: LiveServer) -> None:
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440), video=VideoStreamTrack())
    viewer = SignallingClient(server.ws_url, server.token("delegate"), tap=True)
    try:
        assert (await publisher.start()).status_code == 201
        sender = next(t.sender for t in publisher.pc.getTransceivers() if t.kind == "video")
        requests: list[int] = []
        original = sender._send_keyframe

        def counted() -> None:
            requests.append(1)
            original()

        # A spy on aiortc's private hook: the request still reaches the encoder.
        sender._send_keyframe = counted  # type: ignore[method-assign]
        await asyncio.sleep(3.0)  # the publisher's first keyframe is long gone
        assert requests == []
        await viewer.join()
        await viewer.wait_connected()
        await asyncio.sleep(2.0)
        assert requests, "the server asked the publisher for a keyframe"
        mids = viewer.mids("video")
        assert sum(viewer.packets.get(m, 0) for m in mids) > 10, "video reaches the viewer"
    finally:
        await viewer.close()
        await publisher.stop()
