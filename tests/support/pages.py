"""Helpers to drive silkhall pages in Chromium."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.support.browser import launch, write_tone_wav


class BrowserParticipant:
    """One Chromium with its own fake microphone tone, on one page."""

    def __init__(self, browser: Any, page: Any) -> None:
        self.browser = browser
        self.page = page
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    @classmethod
    async def open(
        cls, playwright: Any, tmp: Path, frequency: float | None, amplitude: float = 0.5
    ) -> BrowserParticipant:
        """A browser whose microphone plays a tone (amplitude 0: silence)."""
        wav = None
        if frequency:
            wav = write_tone_wav(tmp / f"tone-{frequency}-{amplitude}.wav", frequency,
                                 amplitude=amplitude)
        browser = await launch(playwright, wav)
        page = await browser.new_page()
        return cls(browser, page)

    async def goto(self, url: str) -> None:
        await self.page.goto(url)

    async def evaluate(self, script: str, arg: Any = None) -> Any:
        return await self.page.evaluate(script, arg)

    async def wait_until(self, script: str, timeout: float = 15.0, arg: Any = None) -> Any:
        """Poll a JS expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = await self.page.evaluate(script, arg)
            except Exception as exc:  # page navigating or not ready yet
                last = exc
            if last and not isinstance(last, Exception):
                return last
            await asyncio.sleep(0.2)
        raise TimeoutError(f"{script!r} stayed falsy ({last!r}); console: {self.console[-10:]}")

    async def close(self) -> None:
        await self.browser.close()
