"""Two silkhall nodes on a real redis-server: any node serves any client,
the data is shared, and a meeting survives the loss of its node."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from agenda.demo import demo_meeting
from tests.support.alsa import alsa_home
from tests.support.cluster import ROOT, Cluster, cluster
from tests.support.pages import BrowserParticipant
from tests.support.processes import stop
from tests.support.tones import ToneTrack, dominant_frequency
from tests.support.whip import WhepListener, WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media


async def live_node(base: str, token: str, meeting: str) -> Any:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{base}/api/meetings/{meeting}/live",
                                  headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return response.json()


async def test_any_node_serves_any_client(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        a, b = c.nodes["a"], c.nodes["b"]
        site = c.token("organiser", meeting="*", name="Secretariat")
        meeting = demo_meeting().model_copy(update={"id": "lyon-2021"}).model_dump(mode="json")
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {site}"}) as http:
            response = await http.post(f"{b.base}/api/meetings", json=meeting)
            assert response.status_code == 201, response.text

        publisher = WhipPublisher(b.base, "lyon-2021",
                                  c.token("venue", meeting="lyon-2021", venue="lyon"),
                                  ToneTrack(440))
        listener = WhepListener(a.base, "lyon-2021", "floor",
                                c.token("delegate", meeting="lyon-2021"))
        try:
            assert (await publisher.start()).status_code == 201
            assert (await listener.start()).status_code == 201
            # Both ended up on the meeting's node: B, where it was first needed.
            assert str(publisher.location).startswith(b.base)
            assert str(listener.location).startswith(b.base)
            await asyncio.sleep(3.0)
            assert listener.collector is not None
            assert dominant_frequency(listener.collector.last(1.0)) == pytest.approx(440, abs=3)
            state = await live_node(a.base, site, "lyon-2021")
            assert state["open"] and state["node"] == "b"
        finally:
            await listener.stop()
            await publisher.stop()

        # An edit through A is read back through B.
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {site}"}) as http:
            item = (await http.get(f"{a.base}/api/meetings/lyon-2021")).json()["items"][2]
            response = await http.patch(
                f"{a.base}/api/meetings/lyon-2021/items/{item['id']}",
                json={"title": {**item["title"], "en": "Keynote (edited on A)"},
                      "version": item["version"]})
            assert response.status_code == 200, response.text
            again = (await http.get(f"{b.base}/api/meetings/lyon-2021")).json()["items"][2]
            assert again["title"]["en"] == "Keynote (edited on A)"

        # A booth added through A reaches the live meeting on B: its
        # interpreter (coming in through A) joins.
        chair = SignallingClient(a.ws_url, c.token("organiser", meeting="lyon-2021"),
                                 meeting="lyon-2021")
        await chair.join()
        assert chair.redirected_to == b.ws_url
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {site}"}) as http:
            version = (await http.get(f"{a.base}/api/meetings/lyon-2021")).json()["version"]
            response = await http.put(
                f"{a.base}/api/meetings/lyon-2021/booths/fr2",
                json={"a": "fr", "understands": ["fr", "en"], "version": version})
            assert response.status_code == 200, response.text
        await asyncio.sleep(0.5)
        interpreter = SignallingClient(
            a.ws_url, c.token("interpreter", meeting="lyon-2021", booth="fr2"),
            meeting="lyon-2021")
        welcome = await interpreter.join()
        assert "fr2" in [booth["id"] for booth in welcome["meeting"]["booths"]]
        await interpreter.close()

        # Deleting the meeting through A ends it on B: its clients are told.
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {site}"}) as http:
            version = (await http.get(f"{a.base}/api/meetings/lyon-2021")).json()["version"]
            response = await http.request("DELETE", f"{a.base}/api/meetings/lyon-2021",
                                          json={"version": version})
            assert response.status_code == 204, response.text
        await chair.wait_for("bye", timeout=5)
        await asyncio.sleep(0.5)
        assert chair.closed is not None and chair.closed[0] == 4010
        await chair.close()


async def test_meeting_survives_the_loss_of_its_node(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rooms = alsa_home(home, {"hangzhou": 0, "lyon": 660})
    async with cluster(tmp_path) as c:
        a, b = c.nodes["a"], c.nodes["b"]
        organiser = c.token("organiser", name="Chair")
        # The meeting starts on B: the first participant comes through B.
        warmup = WhepListener(b.base, "demo", "floor", c.token("delegate"))
        assert (await warmup.start()).status_code == 201
        venues = [
            venue_process(c, a.base, home, rooms["lyon"], "lyon"),
            venue_process(c, a.base, home, rooms["hangzhou"], "hangzhou", listen="floor"),
        ]
        try:
            await wait_for(lambda: _pa_has(rooms["hangzhou"], 660), 30, "PA before the loss")
            async with httpx.AsyncClient(
                headers={"Authorization": f"Bearer {organiser}"}, follow_redirects=True
            ) as http:
                response = await http.post(f"{a.base}/api/meetings/demo/recordings")
                assert response.status_code == 201, response.text
                first = response.json()
            assert first["node"] == "b"
            await asyncio.sleep(2.0)
            await warmup.pc.close()

            b.kill()
            killed = time.monotonic()
            # Heartbeats stop now; B counts as gone two seconds later.
            await wait_for(lambda: _on(a, organiser, "a"), 12, "meeting moved to A")
            moved = time.monotonic() - killed
            assert moved < 2.0 + 10.0
            before = rooms["hangzhou"].output_file.stat().st_size
            await wait_for(lambda: _pa_grew_with(rooms["hangzhou"], before, 660), 15,
                           "the venue hears the floor again")
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {organiser}"}) as http:
                listed = (await http.get(f"{a.base}/api/meetings/demo/recordings")).json()
            parts = sorted(listed["recordings"], key=lambda r: r["part"])
            assert [p["part"] for p in parts] == [1, 2]
            assert parts[0]["state"] == "interrupted" and parts[1]["state"] == "recording"
            assert parts[1]["series"] == first["id"] and parts[1]["node"] == "a"
        finally:
            for proc in venues:
                stop(proc)


def venue_process(c: Cluster, base: str, home: Path, room: Any, venue: str,
                  listen: str | None = None) -> Any:
    import subprocess
    import sys

    from tests.support.alsa import environment

    args = [sys.executable, "-m", "server.cli", "venue", "--server", base, "--token",
            c.token("venue", venue=venue), "--input", room.input_device, "--output",
            room.output_device]
    if listen:
        args += ["--listen", listen]
    return subprocess.Popen(args, cwd=ROOT, env=environment(home), stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)


async def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{what}: not within {timeout} s")


def _pa_has(room: Any, frequency: float) -> bool:
    audio = room.pa_audio(last_seconds=0.5)
    # within 1%: the PA buffer may resample by up to 0.5% to absorb drift
    return audio.size > 4800 and abs(dominant_frequency(audio) - frequency) < 0.01 * frequency


def _pa_grew_with(room: Any, before: int, frequency: float) -> bool:
    return room.output_file.stat().st_size > before + 96000 and _pa_has(room, frequency)


async def _on(node: Any, token: str, name: str) -> bool:
    try:
        state = await live_node(node.base, token, "demo")
    except httpx.HTTPError:
        return False
    return bool(state["open"] and state["node"] == name)


async def test_browser_joins_through_the_other_node(tmp_path: Path, playwright: Any) -> None:
    async with cluster(tmp_path) as c:
        a, b = c.nodes["a"], c.nodes["b"]
        publisher = WhipPublisher(b.base, "demo", c.token("venue", venue="lyon"), ToneTrack(440))
        delegate = await BrowserParticipant.open(playwright, tmp_path, 200, amplitude=0.0)
        try:
            assert (await publisher.start()).status_code == 201
            await delegate.goto(f"{a.base}/delegate/demo#token={c.token('delegate')}")
            await delegate.page.click("#join")
            await delegate.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)
            heard = await delegate.wait_until(
                "(() => { const f = window.silkhall.mixer.dominantFrequency();"
                " return Math.abs(f - 440) < 5 && f; })()", timeout=20)
            assert heard == pytest.approx(440, abs=5)
            assert await delegate.evaluate("window.silkhall.signalling.url") == b.ws_url
        finally:
            await delegate.close()
            await publisher.stop()
