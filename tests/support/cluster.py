"""A real Redis and real silkhall node processes on loopback, for cluster
tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.auth.roles import Role
from server.auth.tokens import TokenAuthority
from tests.support.live import free_port
from tests.support.processes import stop

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cluster-test-secret-shared-by-every-node"


@asynccontextmanager
async def redis_server(directory: Path) -> AsyncIterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run scripts/setup --test")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis.asyncio as aioredis

        client = aioredis.from_url(url)
        for _ in range(100):
            try:
                if await client.ping():
                    break
            except Exception:
                await asyncio.sleep(0.05)
        await client.aclose()
        yield url
    finally:
        stop(proc)


@asynccontextmanager
async def redis_clients(directory: Path) -> AsyncIterator[Callable[[], Any]]:
    """A real redis-server and a factory of clients to it (each its own
    connection, as separate processes or nodes would have), closed at the end."""
    import redis.asyncio as aioredis

    async with redis_server(directory) as url:
        clients: list[Any] = []

        def connect() -> Any:
            clients.append(aioredis.from_url(url, decode_responses=True))
            return clients[-1]

        try:
            yield connect
        finally:
            for client in clients:
                await client.aclose()


def node_env() -> dict[str, str]:
    return {**os.environ, "SILKHALL_SECRET": SECRET}


def silkhall(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


@dataclass
class Node:
    name: str
    port: int
    data: Path
    redis: str
    proc: subprocess.Popen[bytes] | None = None
    args: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            silkhall("serve", "--redis", self.redis, "--node-id", self.name, "--port",
                     str(self.port), "--data-dir", str(self.data), "--heartbeat", "0.5",
                     "--node-ttl", "2", "--log-level", "warning", *self.args),
            cwd=ROOT, env=node_env(),
        )
        async with httpx.AsyncClient() as http:
            for _ in range(150):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"node {self.name} exited with {self.proc.returncode}")
                try:
                    if (await http.get(f"{self.base}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"node {self.name} did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, grace=15)


@dataclass
class Cluster:
    redis: str
    nodes: dict[str, Node]
    authority: TokenAuthority = field(default_factory=lambda: TokenAuthority(SECRET.encode()))

    def token(self, role: str, meeting: str = "demo", **kw: object) -> str:
        return self.authority.mint(meeting, Role(role), **kw)  # type: ignore[arg-type]


@asynccontextmanager
async def cluster(tmp: Path, names: tuple[str, ...] = ("a", "b")) -> AsyncIterator[Cluster]:
    async with redis_server(tmp / "redis") as url:
        subprocess.run(silkhall("demo", "--redis", url, "--data-dir", str(tmp / "seed"),
                                "--links-only"), cwd=ROOT, env=node_env(), check=True,
                       stdout=subprocess.DEVNULL)
        nodes = {name: Node(name, free_port(), tmp / f"node-{name}", url) for name in names}
        try:
            await asyncio.gather(*(node.start() for node in nodes.values()))
            yield Cluster(url, nodes)
        finally:
            for node in nodes.values():
                node.stop()
