"""The chair sees each venue's connection, level and link quality, and can
take a venue's feed off the floor and put it back."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.live import LiveServer
from tests.support.tones import ToneTrack, dominant_frequency, rms
from tests.support.whip import WhepListener
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media


async def test_chair_sees_venue_and_mutes_its_feed(server: LiveServer) -> None:
    venue = SignallingClient(server.ws_url, server.token("venue", venue="hangzhou",
                                                       name="Hangzhou"), mic=ToneTrack(440))
    chair = SignallingClient(server.ws_url, server.token("organiser", name="Chair"))
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    try:
        await venue.join()
        await venue.wait_connected()
        await venue.send({"type": "media", "mic": True, "camera": False})
        await chair.join()
        assert (await floor.start()).status_code == 201
        status = await chair.wait_for("venue_status", lambda m: any(
            v["level_dbfs"] > -30 and v["rtt_ms"] is not None for v in m["venues"]),
            timeout=15)
        [hangzhou] = status["venues"]
        assert hangzhou["venue"] == "hangzhou" and hangzhou["media"] == "connected"
        assert hangzhou["on_floor"] and not hangzhou["feed_muted"]
        assert hangzhou["packet_loss"] == 0.0
        assert 0 <= hangzhou["rtt_ms"] < 200

        # A delegate may not mute a venue.
        delegate = SignallingClient(server.ws_url, server.token("delegate"))
        await delegate.join()
        await delegate.send({"type": "mute_feed", "participant": hangzhou["participant"],
                             "muted": True})
        assert (await delegate.wait_for("error"))["code"] == "forbidden"
        await delegate.close()

        await chair.send({"type": "mute_feed", "participant": hangzhou["participant"],
                          "muted": True})
        await chair.wait_for("participant_updated", lambda m: m["participant"]["feed_muted"])
        await asyncio.sleep(1.0)
        assert floor.collector is not None
        assert rms(floor.collector.last(0.5)) < 0.005, "muted: off the floor"
        await chair.send({"type": "mute_feed", "participant": hangzhou["participant"],
                          "muted": False})
        await asyncio.sleep(1.5)
        assert dominant_frequency(floor.collector.last(0.5)) == pytest.approx(440, abs=5)
    finally:
        await floor.stop()
        await chair.close()
        await venue.close()
