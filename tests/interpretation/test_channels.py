"""Language channels with real peers and tones: auto floor, cough, relay,
handover, network loss, limiter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest

from tests.support.live import LiveServer
from tests.support.tones import ToneTrack, dominant_frequency, rms, tone_power
from tests.support.whip import WhepListener, WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media

FLOOR_TONE = 440.0


@dataclass
class Hall:
    server: LiveServer
    venue: WhipPublisher
    listeners: dict[str, WhepListener]

    def heard(self, channel: str, seconds: float = 0.8) -> float:
        collector = self.listeners[channel].collector
        assert collector is not None
        return dominant_frequency(collector.last(seconds))

    async def until(self, channel: str, frequency: float, timeout: float = 5.0) -> float:
        """Wait until a channel carries a tone; return how long it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if abs(self.heard(channel, 0.3) - frequency) < 5:
                return time.monotonic() - start
            await asyncio.sleep(0.05)
        raise AssertionError(f"{channel} never carried {frequency} Hz (last {self.heard(channel)})")

    async def interpreter(self, booth: str, frequency: float, name: str,
                          amplitude: float = 0.5) -> SignallingClient:
        client = SignallingClient(
            self.server.ws_url, self.server.token("interpreter", booth=booth, name=name),
            mic=ToneTrack(frequency, amplitude),
        )
        await client.join()
        await client.wait_connected()
        return client


@pytest.fixture
async def hall(server: LiveServer) -> AsyncIterator[Hall]:
    venue = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                          ToneTrack(FLOOR_TONE))
    assert (await venue.start()).status_code == 201
    listeners = {}
    for channel in ("zh", "en", "fr"):
        listener = WhepListener(server.base, "demo", channel, server.token("delegate"))
        assert (await listener.start()).status_code == 201
        listeners[channel] = listener
    hall = Hall(server, venue, listeners)
    for channel in listeners:
        await hall.until(channel, FLOOR_TONE, timeout=10)
    yield hall
    for listener in listeners.values():
        await listener.stop()
    await venue.stop()


async def test_cough_silences_the_channel_instead_of_falling_back(hall: Hall) -> None:
    li = await hall.interpreter("zh", 1000, "Li")
    try:
        await li.send({"type": "console_mic", "on": True})
        await hall.until("zh", 1000)
        await li.send({"type": "console_cough", "held": True})
        await asyncio.sleep(0.8)
        held = hall.listeners["zh"].collector.last(0.5)  # type: ignore[union-attr]
        assert rms(held) < 0.005, "cough: the channel is silent"
        assert tone_power(held, FLOOR_TONE) < 1e-3 * tone_power(
            hall.listeners["fr"].collector.last(0.5), FLOOR_TONE  # type: ignore[union-attr]
        ), "cough does not let the floor through"
        state = await li.wait_for("interpretation", lambda m: any(
            c["language"] == "zh" and c["cough"] for c in m["channels"]))
        assert state["floor_language"] == "fr"
        await li.send({"type": "console_cough", "held": False})
        await hall.until("zh", 1000, timeout=2)
    finally:
        await li.close()


async def test_relay_follows_the_floor_language(hall: Hall) -> None:
    chair = SignallingClient(hall.server.ws_url, hall.server.token("organiser", name="Chair"))
    zh = await hall.interpreter("zh", 1000, "Li")
    en = await hall.interpreter("en", 1500, "Smith")
    try:
        await chair.join()
        await chair.send({"type": "set_floor_language", "language": "pt"})
        await en.send({"type": "console_mic", "on": True})
        await hall.until("en", 1500)
        state = await zh.wait_for("booth_state", lambda m: m["incoming"]["source"] == "en")
        assert state["incoming"] == {"mode": "auto", "source": "en", "language": "en",
                                     "steps": 1, "available": True}
        await asyncio.sleep(1.0)
        assert dominant_frequency(zh.audio("incoming").last(0.5)) == pytest.approx(1500, abs=5)

        await chair.send({"type": "set_floor_language", "language": "zh"})
        state = await zh.wait_for("booth_state", lambda m: m["floor_language"] == "zh")
        assert state["incoming"]["source"] == "floor"
        await asyncio.sleep(1.0)
        assert dominant_frequency(zh.audio("incoming").last(0.5)) == pytest.approx(
            FLOOR_TONE, abs=5)
    finally:
        for client in (chair, zh, en):
            await client.close()


async def test_handover_switches_between_frames_without_gap_or_overlap(hall: Hall) -> None:
    li = await hall.interpreter("zh", 1000, "Li")
    wang = await hall.interpreter("zh", 1500, "Wang")
    try:
        await li.send({"type": "console_mic", "on": True})
        await hall.until("zh", 1000)
        # Wang presses mic-on while Li is live: refused, and it becomes a request.
        mark = len(wang.messages)
        await wang.send({"type": "console_mic", "on": True})
        error = await wang.wait_for("error", since=mark)
        assert error["code"] == "interlock"
        state = await li.wait_for("booth_state", lambda m: m["handover"] is not None)
        assert state["handover"]["requester"] == wang.welcome["you"]["id"]  # type: ignore[index]
        assert 0 < state["handover"]["remaining"] <= 10

        await asyncio.sleep(0.5)
        switch_at = time.monotonic()
        await li.send({"type": "handover_accept"})
        await hall.until("zh", 1500, timeout=2)
        await asyncio.sleep(0.6)
        collector = hall.listeners["zh"].collector
        assert collector is not None
        audio = collector.samples(switch_at - 0.6)
        gap, overlap = transition(audio, 1000, 1500)
        assert gap <= 0.020, f"silence of {gap * 1000:.1f} ms at the handover"
        assert overlap <= 0.005, f"both voices together for {overlap * 1000:.1f} ms"
        wang_id = wang.welcome["you"]["id"]  # type: ignore[index]
        state = await wang.wait_for("booth_state", lambda m: m["live"] == wang_id)
        assert state["handover"] is None
    finally:
        await li.close()
        await wang.close()


def transition(audio: np.ndarray, before: float, after: float) -> tuple[float, float]:
    """Silence and overlap (seconds) around a switch from one tone to another,
    measured on 5 ms windows against each tone's steady level."""
    window = 240
    frames = audio[: audio.size // window * window].reshape(-1, window)
    t = np.arange(window) / 48000
    ref_a = np.exp(-2j * np.pi * before * t)
    ref_b = np.exp(-2j * np.pi * after * t)
    amp_a = np.abs(frames @ ref_a) / window
    amp_b = np.abs(frames @ ref_b) / window
    steady_a = np.median(amp_a[amp_a > amp_a.max() * 0.5])
    steady_b = np.median(amp_b[amp_b > amp_b.max() * 0.5])
    has_a = amp_a > 0.25 * steady_a
    has_b = amp_b > 0.25 * steady_b
    first_b = int(np.argmax(has_b))
    last_a = len(has_a) - 1 - int(np.argmax(has_a[::-1]))
    gap_windows = max(0, first_b - last_a - 1)
    overlap_windows = int(np.sum(has_a & has_b)) - 2  # the two windows a frame edge straddles
    return gap_windows * window / 48000, max(0, overlap_windows) * window / 48000


async def test_network_loss_drops_the_channel_to_the_floor_within_a_second(hall: Hall) -> None:
    li = await hall.interpreter("zh", 1000, "Li")
    try:
        await li.send({"type": "console_mic", "on": True})
        await hall.until("zh", 1000)
        # The network goes: no more audio, but the WebSocket has not noticed.
        assert li.pc is not None
        sender = next(t.sender for t in li.pc.getTransceivers() if t.sender.track is not None)
        sender.replaceTrack(None)
        took = await hall.until("zh", FLOOR_TONE, timeout=3)
        assert took < 1.0, f"the channel fell back after {took:.2f} s"
        state = await li.wait_for("booth_state", lambda m: m["live"] and not m["signal"])
        assert state["live"] == li.welcome["you"]["id"]  # type: ignore[index]
    finally:
        await li.close()


async def test_interpreter_leaving_drops_every_channel_to_the_floor(hall: Hall) -> None:
    li = await hall.interpreter("zh", 1000, "Li")
    await li.send({"type": "console_mic", "on": True})
    await hall.until("zh", 1000)
    await li.close()
    took = await hall.until("zh", FLOOR_TONE, timeout=3)
    assert took < 1.0


async def test_limiter_keeps_channel_peaks_below_minus_one_dbfs(hall: Hall) -> None:
    li = await hall.interpreter("zh", 1000, "Loud", amplitude=1.0)
    try:
        await li.send({"type": "console_mic", "on": True})
        await hall.until("zh", 1000)
        await asyncio.sleep(1.0)
        audio = hall.listeners["zh"].collector.last(1.0)  # type: ignore[union-attr]
        peak = float(np.max(np.abs(audio)))
        assert 0.5 < peak < 10 ** (-1 / 20), f"peak {20 * np.log10(peak):.2f} dBFS"
    finally:
        await li.close()
