"""Acknowledged edits survive SIGKILL of a real server process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

SILKHALL = Path(sys.executable).parent / "silkhall"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(data_dir: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``silkhall serve`` on a free loopback port, until it answers /healthz."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(SILKHALL), "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"silkhall serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("silkhall serve did not start in 30 s")
            time.sleep(0.05)
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run(*args: str) -> str:
    done = subprocess.run([str(SILKHALL), *args], check=True, capture_output=True, timeout=60)
    return done.stdout.decode().strip()


def test_every_acknowledged_edit_survives_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("demo", "--data-dir", str(data), "--links-only")
    token = run("token", "--data-dir", str(data), "--meeting", "demo", "--role", "organiser")
    auth = {"Authorization": f"Bearer {token}"}
    url = "/api/meetings/demo"
    acknowledged: dict[str, Any] = {}

    with server(data, tmp_path / "first.log") as (process, base):
        client = httpx.Client(base_url=base, headers=auth, timeout=10)

        def edit(method: str, path: str, version: int | None, body: Any = None) -> None:
            headers = {} if version is None else {"If-Match": f'"{version}"'}
            answer = client.request(method, url + path, json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            acknowledged.clear()
            acknowledged.update(answer.json())

        edit("PATCH", "", 1, {"end": "2020-11-20T16:30:00Z"})
        edit("POST", "/items", None, {"id": "reception", "kind": "break",
                                      "title": {"en": "Reception"}, "duration": 1800})
        edit("PATCH", "/items/keynote", 1, {"title": {"en": "Keynote", "zh": "主旨演讲"}})
        edit("PUT", "/venues/samarkand", 4, {"name": "Samarkand", "city": "Samarkand",
                                             "timezone": "Asia/Samarkand",
                                             "pa_language": "en"})
        edit("DELETE", "/items/uzbek-video", 1)
        order = [i["id"] for i in acknowledged["items"]]
        edit("POST", "/items:reorder", 6, {"order": [order[-1], *order[:-1]]})
        for n in range(20):
            edit("PATCH", "", acknowledged["version"], {"chair": f"chair {n}"})
        # No grace: the last answer is in, the process dies now.
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        client.close()
    assert process.returncode == -signal.SIGKILL

    with server(data, tmp_path / "second.log") as (_, base):
        answer = httpx.get(base + url, headers=auth, timeout=10)
    assert answer.status_code == 200
    stored = answer.json()
    assert stored == acknowledged
    assert stored["version"] == 27
    assert stored["chair"] == "chair 19"
    assert stored["items"][0]["id"] == "reception"
    assert "uzbek-video" not in [i["id"] for i in stored["items"]]
    assert stored["venues"][-1]["id"] == "samarkand"
    assert next(i for i in stored["items"] if i["id"] == "keynote")["title"]["zh"] == "主旨演讲"
