"""Recording does no codec work: while a recording runs, every codec
operation is the floor mix's, which listeners of the channels share."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.support.codec_spy import count_calls
from tests.support.live import LiveServer
from tests.support.opus import OpusPacketTrack, encode_tone
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media


async def test_recording_adds_no_codec_operations(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    track = OpusPacketTrack(encode_tone(440, 2.0))
    venue = SignallingClient(server.ws_url, server.token("venue", venue="lyon"), mic=track,
                             tap=True)
    headers = {"Authorization": f"Bearer {server.token('organiser')}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers) as http:
        try:
            await venue.join()
            await venue.wait_connected()
            await asyncio.sleep(1.5)
            stats = server.services.stats
            mixer = server.services.hub.rooms["demo"].mixer

            async def window() -> tuple[float, float]:
                """Decodes and encodes per mixer tick over three seconds."""
                decodes, encodes, ticks = (sum(stats.decodes.values()),
                                           sum(stats.encodes.values()), mixer.ticks)
                await asyncio.sleep(3.0)
                elapsed = mixer.ticks - ticks
                return ((sum(stats.decodes.values()) - decodes) / elapsed,
                        (sum(stats.encodes.values()) - encodes) / elapsed)

            # Before: the venue's feed is decoded for the mix and its PA
            # (the floor without itself) is encoded.
            before = await window()
            response = await http.post("/api/meetings/demo/recordings")
            assert response.status_code == 201
            await asyncio.sleep(1.0)
            counts: Counter[str] = Counter()
            count_calls(monkeypatch, counts)
            during = await window()
            response = await http.post(f"/api/recordings/{response.json()['id']}/stop")
            assert response.status_code == 200
        finally:
            await venue.close()
    assert sum(counts.values()) == 0, dict(counts)
    assert set(stats.decodes) == {"floor-mix"} and set(stats.encodes) == {"floor-mix"}
    # The recording's four audio tracks (the floor, and three channels in auto
    # floor) all take the one floor mix: at most one more encode per tick,
    # and no more decodes.
    assert during[0] == pytest.approx(before[0], abs=0.1), (before, during)
    assert during[1] <= before[1] + 1.05, (before, during)
    assert response.json()["state"] == "finished"
