"""Fixtures of the signalling tests: a server with small limits, connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import websockets

from tests.protocol.rawclient import LIMITS, Client, Connect, join
from tests.support.live import LiveServer, live_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(tmp_path, limits=LIMITS) as live:
        yield live


@pytest.fixture
async def connect(server: LiveServer) -> AsyncIterator[Connect]:
    async with AsyncExitStack() as stack:

        async def open_connection() -> Client:
            ws = await stack.enter_async_context(
                websockets.connect(server.ws_url, max_size=None, ping_interval=None)
            )
            return Client(ws)

        yield open_connection


@pytest.fixture
async def observer(server: LiveServer, connect: Connect) -> Client:
    """Another participant of the meeting, watching it stay healthy."""
    return await join(server, connect, name="Observer")
