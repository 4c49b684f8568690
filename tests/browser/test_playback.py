"""A real recording played back in Chromium: the floor, then 中文 from the
same position while playing, then the second chapter; what the page plays
is heard through Web Audio (440 Hz floor, 1000 Hz interpreter)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.recording import record_demo
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher

pytestmark = [pytest.mark.browser, pytest.mark.media]

# Routes whatever <audio> the page plays through an analyser (the page's
# elements are swapped on a language switch, so new ones are hooked too).
LISTEN = """() => {
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  analyser.connect(ctx.destination);
  const hooked = new WeakSet();
  setInterval(() => {
    const audio = window.silkhall.player?.audio;
    if (audio && !hooked.has(audio)) {
      hooked.add(audio);
      ctx.createMediaElementSource(audio).connect(analyser);
    }
  }, 10);
  window.heard = () => {
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 1;
    for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    return {hz: best * ctx.sampleRate / analyser.fftSize, db: bins[best]};
  };
}"""

POSITION = "window.silkhall.currentTime"


async def record(server: LiveServer) -> tuple[dict[str, Any], float, float]:
    """The demo recording, and when the interpreter was live in it."""
    made = await record_demo(server)
    recording = made.done
    assert recording["state"] == "finished" and len(recording["chapters"]) == 2, recording
    return recording, made.live_from, made.live_to


async def heard(viewer: BrowserParticipant, seconds: float = 0.3) -> float:
    """The frequency the page plays now (the strongest over a few looks)."""
    looks = []
    for _ in range(3):
        await asyncio.sleep(seconds / 3)
        looks.append(await viewer.evaluate("window.heard()"))
    loudest: float = max(looks, key=lambda h: h["db"])["hz"]
    return loudest


async def until_position(viewer: BrowserParticipant, seconds: float) -> None:
    await viewer.wait_until(f"{POSITION} >= {seconds}", timeout=seconds + 10)


async def test_playback_switches_language_in_place_and_jumps_to_chapters(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    recording, live_from, live_to = await record(server)
    viewer = await BrowserParticipant.open(playwright, tmp_path, None)
    try:
        token = server.token("delegate", name="Viewer")
        await viewer.goto(f"{server.base}/playback/demo#token={token}")
        # The page starts the exports it needs and loads them.
        await viewer.wait_until("window.silkhall.ready", timeout=20)
        rows = await viewer.evaluate(
            "[...document.querySelectorAll('#recordings tbody tr')].map(r => r.dataset.id)")
        assert rows == [recording["id"]]
        options = await viewer.evaluate(
            "[...document.querySelectorAll('#language option')].map(o => o.textContent)")
        assert options == ["Floor (original)", "Français", "中文", "English"], options
        assert await viewer.evaluate("window.silkhall.language") == "floor"
        assert await viewer.evaluate("window.silkhall.hasVideo")
        chapters = await viewer.evaluate("window.silkhall.chapters")
        assert [c["title"] for c in chapters] == [c["title"] for c in recording["chapters"]]

        await viewer.evaluate(LISTEN)
        await viewer.page.get_by_role("button", name="Play", exact=True).click()
        await until_position(viewer, 1.0)
        assert await heard(viewer) == pytest.approx(440, abs=10)

        # Switch to 中文 while playing, while the interpreter was live.
        await until_position(viewer, live_from + 0.7)
        before = await viewer.evaluate(POSITION)
        await viewer.page.select_option("#language", label="中文")
        await viewer.wait_until("window.silkhall.language === 'zh'", timeout=10)
        after = await viewer.evaluate(POSITION)
        assert abs(after - before) <= 0.5, (before, after)
        switch = (await viewer.evaluate("window.silkhall.switches"))[-1]
        assert switch["from"] == "floor" and switch["to"] == "zh"
        assert abs(switch["after"] - switch["before"]) < 0.1, switch
        assert await viewer.evaluate("window.silkhall.playing")
        await until_position(viewer, after + 0.3)
        assert await heard(viewer) == pytest.approx(1000, abs=10)
        assert await viewer.evaluate(POSITION) < live_to - 0.2  # still the live part

        # The second chapter: the position jumps to its start, it is highlighted.
        second = chapters[1]["start"]
        await viewer.page.click("#chapters li:nth-child(2) button")
        await viewer.wait_until(f"Math.abs({POSITION} - {second}) < 0.5", timeout=5)
        await viewer.wait_until("window.silkhall.chapter === 1", timeout=2)
        await viewer.wait_until(
            "document.querySelector('#chapters li:nth-child(2)').classList.contains('current')"
            " && !document.querySelector('#chapters li:nth-child(1)').classList.contains("
            "'current')", timeout=2)
        jumped = await viewer.evaluate(POSITION)
        await asyncio.sleep(0.5)
        # It plays on from there: zh is the floor again after the interpreter.
        assert await viewer.evaluate(POSITION) > jumped + 0.2
        assert await heard(viewer) == pytest.approx(440, abs=10)
        drift = await viewer.evaluate(
            "document.querySelector('#video').currentTime - window.silkhall.currentTime")
        assert abs(drift) < 0.2, drift

        # Downloads: the whole file and the chosen language's own file.
        links = await viewer.evaluate(
            "[...document.querySelectorAll('#downloads a')].map(a => a.href)")
        assert any(link.endswith(".mkv?token=" + token) for link in links), links
        zh = next(link for link in links if "/exports/zh.webm" in link)
        async with httpx.AsyncClient() as http:
            response = await http.get(zh)
        assert response.status_code == 200 and response.headers["content-type"] == "video/webm"
        assert response.content[:4] == b"\x1a\x45\xdf\xa3"  # EBML
        assert not [line for line in viewer.console if line.startswith("pageerror")]
    finally:
        await viewer.close()


async def test_a_recording_without_video_plays_in_the_audio_only_layout(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    organiser = server.token("organiser", name="Chair")
    venue = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                          ToneTrack(440))
    headers = {"Authorization": f"Bearer {organiser}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as http:
        try:
            assert (await venue.start()).status_code == 201
            await asyncio.sleep(0.5)
            recording = (await http.post("/api/meetings/demo/recordings")).json()
            await asyncio.sleep(3.0)
            response = await http.post(f"/api/recordings/{recording['id']}/stop")
            assert response.status_code == 200, response.text
        finally:
            await venue.stop()
    assert [t["key"] for t in response.json()["tracks"]] == ["floor", "fr", "zh", "en"]

    viewer = await BrowserParticipant.open(playwright, tmp_path, None)
    try:
        await viewer.page.add_init_script("localStorage.setItem('silkhall.ui-language', 'zh')")
        token = server.token("delegate", name="Viewer")
        await viewer.goto(f"{server.base}/playback/demo#token={token}")
        await viewer.wait_until("window.silkhall.ready", timeout=20)
        assert not await viewer.evaluate("window.silkhall.hasVideo")
        assert await viewer.page.is_visible("#audio-only")
        assert await viewer.page.is_hidden("#video")
        assert await viewer.page.is_visible("#no-chapters")  # the agenda was not running
        assert await viewer.page.text_content("#audio-language") == "会场原声"
        await viewer.evaluate(LISTEN)
        await viewer.page.get_by_role("button", name="播放", exact=True).click()
        await until_position(viewer, 1.0)
        assert await heard(viewer) == pytest.approx(440, abs=10)
        assert await viewer.page.text_content("#play") == "暂停"
        await viewer.wait_until("!window.silkhall.playing", timeout=10)  # it ends
        assert await viewer.evaluate(POSITION) > 2.5
    finally:
        await viewer.close()
