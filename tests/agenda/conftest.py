"""An in-process silkhall app with the demo meeting, and tokens for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from agenda.demo import demo_meeting
from agenda.sqlite_store import SqliteMeetingStore
from server.app import Services, create_app
from server.auth.roles import Role
from server.config import Settings


@dataclass
class Api:
    """The app, a client for it, and tokens minted by its authority."""

    app: Starlette
    client: httpx.AsyncClient

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def token(self, role: Role = Role.ORGANISER, meeting: str = "demo", **kw: Any) -> str:
        token: str = self.services.authority.mint(meeting, role, **kw)
        return token

    def auth(self, role: Role = Role.ORGANISER, meeting: str = "demo", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, meeting, **kw)}"}

    def organiser(self, version: int | None = None) -> dict[str, str]:
        headers = self.auth()
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        return headers

    async def meeting(self) -> dict[str, Any]:
        answer = await self.client.get("/api/meetings/demo", headers=self.auth())
        assert answer.status_code == 200
        body: dict[str, Any] = answer.json()
        return body

    async def item(self, item_id: str) -> dict[str, Any]:
        meeting = await self.meeting()
        return next(i for i in meeting["items"] if i["id"] == item_id)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    store = SqliteMeetingStore(tmp_path / "silkhall.sqlite")
    await store.put(demo_meeting())
    app = create_app(Settings(data_dir=tmp_path, port=8123), store=store)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(app, client)
    await store.close()


def assert_problem(answer: httpx.Response, status: int, error: str, field: str | None) -> None:
    """The answer is the error the test expects, naming the field it expects."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert body["field"] == field, body
    assert body["message"]
