"""A delegate in Chromium listens to 中文: the interpreter's voice, with the
original floor mixed underneath at the level of the slider."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.browser

LEVELS = """(() => { const m = window.silkhall.mixer;
  return {floor: m.toneLevel(440), zh: m.toneLevel(1000), top: m.dominantFrequency()}; })()"""


async def test_delegate_hears_chinese_with_the_original_underneath(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    venue = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                          ToneTrack(440))
    interpreter = SignallingClient(server.ws_url, server.token("interpreter", booth="zh"),
                                   mic=ToneTrack(1000))
    delegate = await BrowserParticipant.open(playwright, tmp_path, 200, amplitude=0.0)
    try:
        assert (await venue.start()).status_code == 201
        await interpreter.join()
        await interpreter.wait_connected()
        await interpreter.send({"type": "console_mic", "on": True})

        token = server.token("delegate", name="Listener")
        await delegate.goto(f"{server.base}/delegate/demo#token={token}")
        await delegate.page.click("#join")
        await delegate.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)
        await delegate.page.get_by_role("button", name="Mute microphone").click()

        options = await delegate.evaluate(
            "[...document.querySelectorAll('#listen option')].map(o => o.textContent)")
        assert options[1:] == ["Français", "中文", "English"], options
        await delegate.page.select_option("#listen", label="中文")
        slider = 0.3
        await delegate.evaluate(
            """(v) => { const s = document.querySelector('#original');
                       s.value = String(v); s.dispatchEvent(new Event('input')); }""",
            int(slider * 100),
        )
        await delegate.wait_until(
            "window.silkhall.channelsLive.has('zh') && window.silkhall.mixer.dominantFrequency()"
            " > 990 && window.silkhall.mixer.dominantFrequency() < 1010", timeout=15)
        await asyncio.sleep(1.0)
        ratios = []
        for _ in range(5):
            levels = await delegate.evaluate(LEVELS)
            ratios.append(levels["floor"] - levels["zh"])
            await asyncio.sleep(0.3)
        measured = sorted(ratios)[len(ratios) // 2]
        expected = 20 * math.log10(slider)
        assert abs(measured - expected) <= 3.0, (measured, expected, ratios)

        # The choice is remembered by this browser.
        await delegate.page.reload()
        await delegate.page.click("#join")
        await delegate.wait_until("window.silkhall.meeting !== null && "
                                  "document.querySelector('#listen').value === 'zh'")
        assert await delegate.evaluate("document.querySelector('#original').value") == "30"
    finally:
        await delegate.close()
        await interpreter.close()
        await venue.stop()
