"""A real silkhall server for tests: uvicorn on a free loopback port, in the
test's own event loop, so tests can also look inside it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from agenda.demo import demo_meeting
from agenda.sqlite_store import SqliteMeetingStore
from server.app import Services, create_app
from server.auth.roles import Role
from server.config import Limits, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    app: Starlette
    base: str
    settings: Settings

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    @property
    def ws_url(self) -> str:
        return self.base.replace("http", "ws", 1) + "/ws"

    def token(self, role: Role | str, meeting: str = "demo", **kw: object) -> str:
        return self.services.authority.mint(meeting, Role(role), **kw)  # type: ignore[arg-type]


@asynccontextmanager
async def live_server(
    data_dir: Path, *, limits: Limits | None = None, demo: bool = True,
    settings: Settings | None = None,
) -> AsyncIterator[LiveServer]:
    """``settings`` replaces the defaults below (its port by a free one)."""
    port = free_port()
    if settings is None:
        settings = Settings(data_dir=data_dir, limits=limits or Limits(), idle_close=5)
    settings = replace(settings, port=port)
    store = SqliteMeetingStore(data_dir / "silkhall.sqlite")
    if demo:
        await store.put(demo_meeting())
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=1024 * 1024,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield LiveServer(app, f"http://127.0.0.1:{port}", settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
