"""An interpreter works from the console page in real Chromium.

Lyon's hall feeds the floor with a 440 Hz tone (WHIP); listeners of the zh, en
and fr channels (WHEP) measure what they hear. The zh booth's interpreter,
whose microphone plays 1000 Hz, opens the console from the join link, goes on
air on zh, moves to the retour (B, English), and closes the page: every
channel is back on the floor within a second.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.tones import ToneTrack, dominant_frequency
from tests.support.whip import WhepListener, WhipPublisher

pytestmark = [pytest.mark.browser, pytest.mark.media]

FLOOR = 440.0
VOICE = 1000.0
TOLERANCE = 5.0
CHANNELS = ("zh", "en", "fr")


def heard(listeners: dict[str, WhepListener], seconds: float) -> dict[str, float]:
    """The dominant frequency of the last ``seconds`` on each channel."""
    out: dict[str, float] = {}
    for language, listener in listeners.items():
        assert listener.collector is not None
        out[language] = dominant_frequency(listener.collector.last(seconds))
    return out


async def until_heard(
    listeners: dict[str, WhepListener],
    expected: dict[str, float],
    timeout: float,
    seconds: float = 1.0,
) -> dict[str, float]:
    """Poll until every channel carries its expected tone; return what was heard."""
    deadline = time.monotonic() + timeout
    while True:
        now = heard(listeners, seconds)
        if all(abs(now[lang] - f) < TOLERANCE for lang, f in expected.items()):
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {expected}, heard {now}")
        await asyncio.sleep(0.05)


async def test_interpreter_goes_on_air_switches_to_retour_and_leaves(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    venue = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                          ToneTrack(FLOOR))
    listeners = {
        language: WhepListener(server.base, "demo", language, server.token("delegate"))
        for language in CHANNELS
    }
    interpreter = await BrowserParticipant.open(playwright, tmp_path, VOICE)
    page = interpreter.page
    try:
        assert (await venue.start()).status_code == 201
        for listener in listeners.values():
            assert (await listener.start()).status_code == 201

        token = server.token("interpreter", booth="zh", name="Li Wei")
        await interpreter.goto(f"{server.base}/console/demo#token={token}")
        await interpreter.wait_until(
            "window.silkhall.booth && window.silkhall.mediaState === 'connected'", timeout=20)

        # Before anyone is live: every channel carries the floor, and so does
        # the console's incoming line. The floor is French, which the zh booth
        # does not understand, and nobody is live to relay: both warnings.
        await until_heard(listeners, dict.fromkeys(CHANNELS, FLOOR), timeout=10)
        await interpreter.wait_until(
            f"Math.abs(window.silkhall.mixer.dominantFrequency() - {FLOOR}) < {TOLERANCE}",
            timeout=10)
        await expect(page.locator("#incoming-display")).to_have_text("FLOOR · FR")
        await expect(page.locator("#warn-relay")).to_be_visible()
        await expect(page.locator("#warn-floor")).to_be_visible()
        onair = page.locator("#onair")
        await expect(onair).to_have_text("OFF AIR")

        # Microphone on: zh carries the interpreter, the others the floor.
        mic = page.get_by_role("button", name="Microphone", exact=True)
        await expect(mic).to_have_attribute("aria-pressed", "false")
        await mic.click()
        await expect(onair).to_have_text("ON AIR")
        await expect(onair).to_have_attribute("data-state", "live")
        await expect(mic).to_have_attribute("aria-pressed", "true")
        await until_heard(listeners, {"zh": VOICE, "en": FLOOR, "fr": FLOOR}, timeout=10)

        # Output B: the interpreter moves to English; Chinese falls back.
        outputs = page.get_by_role("group", name="Outgoing channel")
        await expect(outputs.get_by_role("button", name="A 中文")).to_have_attribute(
            "aria-pressed", "true")
        await outputs.get_by_role("button", name="B English").click()
        await until_heard(listeners, {"zh": FLOOR, "en": VOICE, "fr": FLOOR}, timeout=10)
        await expect(outputs.get_by_role("button", name="B English")).to_have_attribute(
            "aria-pressed", "true")
        await expect(onair).to_have_text("ON AIR")
        state = await interpreter.evaluate("window.silkhall.booth")
        assert (state["output"], state["output_language"], state["live"]) == (
            "B", "en", state["interpreters"][0]["id"])
        # Still hearing the floor, not themselves.
        assert await interpreter.evaluate(
            "window.silkhall.mixer.dominantFrequency()") == pytest.approx(FLOOR, abs=TOLERANCE)

        assert not [line for line in interpreter.console if line.startswith("pageerror")], (
            interpreter.console)

        # The interpreter closes the page: every channel is the floor again
        # within a second. A short window, so the measurement itself does not
        # eat the budget.
        await page.close()
        closed = time.monotonic()
        await until_heard(listeners, dict.fromkeys(CHANNELS, FLOOR), timeout=5, seconds=0.25)
        elapsed = time.monotonic() - closed
        assert elapsed < 1.0, f"channels fell back after {elapsed:.2f} s"
        await asyncio.sleep(1.0)
        assert all(
            abs(f - FLOOR) < TOLERANCE for f in heard(listeners, 1.0).values()
        ), heard(listeners, 1.0)
    finally:
        await interpreter.close()
        for listener in listeners.values():
            await listener.stop()
        await venue.stop()
