"""A video played into the meeting: everyone hears and sees it, and a WebM
with Opus and VP8 goes through without any encoding."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.media.testcard import make_wav, make_webm
from tests.support.codec_spy import count_calls
from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.tones import dominant_frequency
from tests.support.whip import WhepListener
from tests.support.wsclient import SignallingClient

pytestmark = [pytest.mark.media, pytest.mark.browser]

FRAMES = """(async () => {
  const stats = window.silkhall.peer ? await window.silkhall.peer.videoStats() : {};
  return Object.values(stats).reduce((n, s) => n + s.framesDecoded, 0);
})()"""


async def upload(server: LiveServer, path: Path) -> None:
    headers = {"Authorization": f"Bearer {server.token('organiser')}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers) as http:
        response = await http.put(f"/api/meetings/demo/media/{path.name}",
                                  content=path.read_bytes())
        assert response.status_code == 201, response.text
        listed = (await http.get("/api/meetings/demo/media")).json()["files"]
        assert path.name in [f["name"] for f in listed]


async def test_webm_plays_into_the_meeting_without_encoding(
    server: LiveServer, playwright: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await upload(server, make_webm(tmp_path / "uzbekistan.webm"))
    chair = SignallingClient(server.ws_url, server.token("organiser", name="Chair"))
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    delegate = await BrowserParticipant.open(playwright, tmp_path, 200, amplitude=0.0)
    counts: Counter[str] = Counter()
    try:
        await chair.join()
        assert (await floor.start()).status_code == 201
        await delegate.goto(f"{server.base}/delegate/demo#token={server.token('delegate')}")
        await delegate.page.click("#join")
        await delegate.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)

        count_calls(monkeypatch, counts)
        encodes_before = dict(server.services.stats.encodes)
        # The agenda's video item names the file to play.
        await chair.send({"type": "media_play", "item": "uzbek-video"})
        state = await chair.wait_for("media_state", lambda m: m["state"] == "playing")
        assert state["transcoded"] is False and state["duration"] > 10

        await asyncio.sleep(3.0)
        assert floor.collector is not None
        assert dominant_frequency(floor.collector.last(1.0)) == pytest.approx(880, abs=3)
        first = await delegate.wait_until(FRAMES, timeout=15)
        later = await delegate.wait_until(
            f"(async () => {{ const n = await {FRAMES}; return n > {first} + 10 && n; }})()",
            timeout=15)
        assert later > first
        names = await delegate.evaluate(
            "[...document.querySelectorAll('.tile .name')].map(e => e.textContent)")
        assert any("uzbekistan" in n for n in names), names

        # Pause and resume keep the position; stop ends it.
        await chair.send({"type": "media_pause"})
        paused = await chair.wait_for("media_state", lambda m: m["state"] == "paused")
        await asyncio.sleep(1.0)
        await chair.send({"type": "media_resume"})
        resumed = await chair.wait_for("media_state", lambda m: m["state"] == "playing",
                                       since=len(chair.messages) - 1)
        assert resumed["position"] == pytest.approx(paused["position"], abs=0.3)
        await chair.send({"type": "media_stop"})
        await chair.wait_for("media_state", lambda m: m["state"] == "idle")
    finally:
        await delegate.close()
        await floor.stop()
        await chair.close()
    encodes = {k: v - encodes_before.get(k, 0) for k, v in server.services.stats.encodes.items()}
    assert encodes.get("playback", 0) == 0, encodes
    assert counts["OpusEncoder.encode"] == 0 and counts["Vp8Encoder.encode"] == 0, dict(counts)


async def test_other_formats_are_transcoded_once(server: LiveServer, tmp_path: Path) -> None:
    await upload(server, make_wav(tmp_path / "anthem.wav"))
    chair = SignallingClient(server.ws_url, server.token("organiser", name="Chair"))
    listeners = [WhepListener(server.base, "demo", "floor", server.token("delegate"))
                 for _ in range(3)]
    try:
        await chair.join()
        for listener in listeners:
            assert (await listener.start()).status_code == 201
        await chair.send({"type": "media_play", "file": "anthem.wav"})
        state = await chair.wait_for("media_state", lambda m: m["state"] == "playing")
        assert state["transcoded"] is True
        await asyncio.sleep(3.0)
        for listener in listeners:
            assert listener.collector is not None
            assert dominant_frequency(listener.collector.last(1.0)) == pytest.approx(880, abs=3)
        encoded = server.services.stats.encodes["playback"]
        # At most one Opus frame per 20 ms of the file (it reads a little
        # ahead), whatever the number of listeners.
        assert 100 <= encoded <= state["duration"] / 0.02 + 10
        mark = len(chair.messages)
        await chair.send({"type": "media_play", "file": "missing.webm"})
        error = await chair.wait_for("error", since=mark)
        assert (error["code"], error["field"]) == ("not_found", "file")
    finally:
        for listener in listeners:
            await listener.stop()
        await chair.close()
