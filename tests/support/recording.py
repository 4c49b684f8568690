"""A recording of the demo meeting made through the public interfaces, as
the recording and playback tests need it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from aiortc.mediastreams import VideoStreamTrack

from tests.support.live import LiveServer
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher
from tests.support.wsclient import SignallingClient


@dataclass(frozen=True)
class Recorded:
    started: dict[str, Any]  # the answer to the start request
    done: dict[str, Any]  # the answer to the stop request
    # Seconds after the recording began: the zh interpreter live, the agenda advanced.
    live_from: float
    live_to: float
    next_at: float


async def record_demo(server: LiveServer) -> Recorded:
    """About 9 s of the demo meeting: venue Lyon at 440 Hz with video, the zh
    interpreter live (1000 Hz) for 3 s of it, the agenda advanced once."""
    organiser = server.token("organiser", name="Chair")
    venue = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                          ToneTrack(440), video=VideoStreamTrack())
    chair = SignallingClient(server.ws_url, organiser)
    interpreter = SignallingClient(server.ws_url, server.token("interpreter", booth="zh"),
                                   mic=ToneTrack(1000))
    headers = {"Authorization": f"Bearer {organiser}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as http:
        try:
            assert (await venue.start()).status_code == 201
            await chair.join()
            await interpreter.join()
            await interpreter.wait_connected()
            await chair.send({"type": "agenda_start"})
            await asyncio.sleep(1.0)

            response = await http.post("/api/meetings/demo/recordings")
            assert response.status_code == 201, response.text
            started: dict[str, Any] = response.json()
            await chair.wait_for("recording", lambda m: m["active"])
            t0 = time.monotonic()

            await asyncio.sleep(2.0)
            await interpreter.send({"type": "console_mic", "on": True})
            live_from = time.monotonic() - t0
            await asyncio.sleep(3.0)
            await interpreter.send({"type": "console_mic", "on": False})
            live_to = time.monotonic() - t0
            await asyncio.sleep(1.0)
            await chair.send({"type": "agenda_next"})
            next_at = time.monotonic() - t0
            await asyncio.sleep(2.5)

            response = await http.post(f"/api/recordings/{started['id']}/stop")
            assert response.status_code == 200, response.text
        finally:
            await interpreter.close()
            await chair.close()
            await venue.stop()
    return Recorded(started, response.json(), live_from, live_to, next_at)
