"""Two delegates in real Chromium hear each other's tone and see each
other's video, through the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant

pytestmark = pytest.mark.browser

DOMINANT = "window.silkhall.mixer ? window.silkhall.mixer.dominantFrequency() : 0"
FRAMES = """(async () => {
  const stats = window.silkhall.peer ? await window.silkhall.peer.videoStats() : {};
  return Object.values(stats).reduce((n, s) => n + s.framesDecoded, 0);
})()"""


async def test_two_delegates_hear_and_see_each_other(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    a = await BrowserParticipant.open(playwright, tmp_path, 440)
    b = await BrowserParticipant.open(playwright, tmp_path, 660)
    try:
        for person, name in ((a, "Hangzhou delegate"), (b, "Lyon delegate")):
            token = server.token("delegate", name=name)
            await person.goto(f"{server.base}/delegate/demo#token={token}")
            await person.page.click("#join")
        for person in (a, b):
            await person.wait_until("document.querySelector('#state').dataset.state === 'joined'")
            await person.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)

        # Each hears the other's tone (and not its own).
        heard_by_a = await a.wait_until(f"Math.abs(({DOMINANT}) - 660) < 5 && ({DOMINANT})",
                                        timeout=20)
        heard_by_b = await b.wait_until(f"Math.abs(({DOMINANT}) - 440) < 5 && ({DOMINANT})",
                                        timeout=20)
        assert heard_by_a == pytest.approx(660, abs=5)
        assert heard_by_b == pytest.approx(440, abs=5)

        # Video frames flow both ways: frames decoded keep increasing.
        for person in (a, b):
            first = await person.wait_until(FRAMES, timeout=20)
            later = await person.wait_until(f"(async () => {{ const n = await {FRAMES};"
                                            f" return n > {first} + 10 && n; }})()", timeout=20)
            assert later > first

        # Each page shows the other as a tile with a name.
        names_a = await a.evaluate(
            "[...document.querySelectorAll('.tile .name')].map(e => e.textContent)")
        assert any("Lyon delegate" in n for n in names_a), names_a
    finally:
        await a.close()
        await b.close()
