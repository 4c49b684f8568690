"""The venue client with real PortAudio devices (ALSA's file plugin): the
room's mixer reaches the floor, the PA plays the room's language, and a
room never hears itself."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.support.alsa import Room, alsa_home, environment
from tests.support.live import LiveServer
from tests.support.processes import stop
from tests.support.tones import ToneTrack, dominant_frequency, tone_power
from tests.support.whip import WhepListener
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media
ROOT = Path(__file__).resolve().parents[2]
# The PA's playout buffer absorbs clock drift by resampling up to 0.5%,
# which moves a tone's pitch by as much: compare PA tones within 1%.
PA = 0.01


@contextmanager
def venue_client(server: LiveServer, home: Path, room: Room, venue: str,
                 listen: str | None = None) -> Iterator[subprocess.Popen[str]]:
    token = server.token("venue", venue=venue)
    args = [sys.executable, "-m", "server.cli", "venue", "--server", server.base,
            "--token", token, "--input", room.input_device, "--output", room.output_device]
    if listen:
        args += ["--listen", listen]
    proc = subprocess.Popen(args, cwd=ROOT, env=environment(home), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        yield proc
    finally:
        stop(proc)


async def wait_on_floor(server: LiveServer, venue: str, proc: subprocess.Popen[str]) -> None:
    for _ in range(200):
        room = server.services.hub.rooms.get("demo")
        if room is not None and any(
            p.venue == venue and p.on_floor and p.mic.packets > 50
            for p in room.participants.values()
        ):
            return
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"venue client exited: {output}")
        await asyncio.sleep(0.1)
    raise TimeoutError(f"venue {venue} never reached the floor")


@asynccontextmanager
async def listening(server: LiveServer, channel: str) -> AsyncIterator[WhepListener]:
    listener = WhepListener(server.base, "demo", channel, server.token("delegate"))
    assert (await listener.start()).status_code == 201
    try:
        yield listener
    finally:
        await listener.stop()


async def test_hangzhou_mixer_reaches_the_floor(server: LiveServer, tmp_path: Path) -> None:
    rooms = alsa_home(tmp_path / "home", {"hangzhou": 440})
    with venue_client(server, tmp_path / "home", rooms["hangzhou"], "hangzhou") as proc:
        await wait_on_floor(server, "hangzhou", proc)
        async with listening(server, "floor") as floor:
            await asyncio.sleep(2.0)
            assert floor.collector is not None
            assert dominant_frequency(floor.collector.last(1.0)) == pytest.approx(440, abs=3)


async def test_mix_minus_each_room_hears_the_other(server: LiveServer, tmp_path: Path) -> None:
    home = tmp_path / "home"
    rooms = alsa_home(home, {"hangzhou": 440, "lyon": 660})
    with venue_client(server, home, rooms["hangzhou"], "hangzhou", listen="floor") as hz, \
            venue_client(server, home, rooms["lyon"], "lyon", listen="floor") as ly:
        await wait_on_floor(server, "hangzhou", hz)
        await wait_on_floor(server, "lyon", ly)
        await asyncio.sleep(3.0)
        hangzhou_pa = rooms["hangzhou"].pa_audio(last_seconds=1.5)
        lyon_pa = rooms["lyon"].pa_audio(last_seconds=1.5)
    assert dominant_frequency(hangzhou_pa) == pytest.approx(660, rel=PA)
    assert dominant_frequency(lyon_pa) == pytest.approx(440, rel=PA)
    # Not just quieter: the room's own feed is absent from its PA.
    assert tone_power(hangzhou_pa, 440) < 1e-3 * tone_power(hangzhou_pa, 660)
    assert tone_power(lyon_pa, 660) < 1e-3 * tone_power(lyon_pa, 440)


async def test_venue_hears_the_interpreter_then_the_floor(
    server: LiveServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    rooms = alsa_home(home, {"hangzhou": 0, "lyon": 660})
    interpreter = SignallingClient(server.ws_url, server.token("interpreter", booth="zh"),
                                   mic=ToneTrack(1000))
    with venue_client(server, home, rooms["hangzhou"], "hangzhou", listen="zh") as hz, \
            venue_client(server, home, rooms["lyon"], "lyon") as ly:
        await wait_on_floor(server, "hangzhou", hz)
        await wait_on_floor(server, "lyon", ly)
        try:
            await interpreter.join()
            await interpreter.wait_connected()
            await interpreter.send({"type": "console_mic", "on": True})
            await asyncio.sleep(2.5)
            live = rooms["hangzhou"].pa_audio(last_seconds=1.0)
            await interpreter.send({"type": "console_mic", "on": False})
            await asyncio.sleep(2.5)
            after = rooms["hangzhou"].pa_audio(last_seconds=1.0)
        finally:
            await interpreter.close()
    assert dominant_frequency(live) == pytest.approx(1000, rel=PA)
    assert dominant_frequency(after) == pytest.approx(660, rel=PA), "the floor, from Lyon"
    assert np.abs(after).max() > 0.05
