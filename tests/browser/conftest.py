"""Playwright with Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import async_playwright


@pytest.fixture
async def playwright() -> AsyncIterator[Any]:
    async with async_playwright() as pw:
        yield pw
