"""Shared fixtures: a real server on loopback with the demo meeting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from tests.support.live import LiveServer, live_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(tmp_path / "data") as live:
        yield live


@pytest.fixture
async def playwright() -> AsyncIterator[Any]:
    """Playwright driving Debian's Chromium (never a downloaded browser)."""
    async with async_playwright() as pw:
        yield pw
