"""The demo meeting's pages in Chromium, and the floor heard over WHEP, as the
browser tests open and check them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import LiveServer
from tests.support.pages import BrowserParticipant
from tests.support.tones import dominant_frequency, tone_power
from tests.support.whip import WhepListener

SILENT = 1e-4  # tone power of a frequency that is not there


async def open_organiser(
    playwright: Any, tmp: Path, server: LiveServer, frequency: float | None = None
) -> BrowserParticipant:
    """The organiser page with its live panel joined; the microphone plays
    ``frequency`` (None: no microphone)."""
    organiser = await BrowserParticipant.open(playwright, tmp, frequency)
    await organiser.page.set_viewport_size({"width": 1400, "height": 1000})
    token = server.token("organiser", name="Xavier Lépingle")
    await organiser.goto(f"{server.base}/organiser/demo#token={token}")
    await organiser.wait_until(
        "window.silkhall.doc && window.silkhall.coverage && window.silkhall.you"
        " && window.silkhall.agendaState && window.silkhall.moderation", timeout=20)
    return organiser


async def open_delegate(
    playwright: Any, tmp: Path, server: LiveServer, name: str, frequency: float | None = None
) -> BrowserParticipant:
    """The delegate page, joined."""
    delegate = await BrowserParticipant.open(playwright, tmp, frequency)
    token = server.token("delegate", name=name)
    await delegate.goto(f"{server.base}/delegate/demo#token={token}")
    await delegate.page.click("#join")
    await delegate.wait_until("window.silkhall.agendaState && window.silkhall.moderation")
    return delegate


def no_page_errors(*pages: BrowserParticipant) -> None:
    for page in pages:
        errors = [line for line in page.console if line.startswith("pageerror")]
        assert not errors, errors


async def floor_carries(floor: WhepListener, frequency: float, timeout: float = 8.0) -> None:
    assert floor.collector is not None
    deadline = time.monotonic() + timeout
    while dominant_frequency(floor.collector.last(0.6)) != pytest.approx(frequency, abs=5):
        assert time.monotonic() < deadline, f"{frequency} Hz never reached the floor"
        await asyncio.sleep(0.1)


async def floor_silent(floor: WhepListener, frequency: float, timeout: float = 5.0) -> None:
    assert floor.collector is not None
    deadline = time.monotonic() + timeout
    while tone_power(floor.collector.last(0.6), frequency) >= SILENT:
        assert time.monotonic() < deadline, f"{frequency} Hz stayed on the floor"
        await asyncio.sleep(0.1)
