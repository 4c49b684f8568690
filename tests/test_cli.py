"""The CLI: the demo prints one join link per role, tokens are minted on one
line, and the venue client documents itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from agenda.demo import demo_meeting
from server.auth.roles import Role
from server.auth.tokens import TokenAuthority, load_secret

ROOT = Path(__file__).resolve().parents[1]


def silkhall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


def test_demo_prints_a_link_per_role(tmp_path: Path) -> None:
    result = silkhall("demo", "--data-dir", str(tmp_path), "--links-only",
                      "--public-url", "https://hall.example")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    links = dict(line.split(": ", 1) for line in lines[1:])
    meeting = demo_meeting()
    expected = {"organiser", "delegate",
                *(f"interpreter ({b.id} booth)" for b in meeting.booths),
                *(f"venue {v.id}" for v in meeting.venues)}
    assert set(links) == expected
    authority = TokenAuthority(load_secret(tmp_path))
    pages = {"organiser": "organiser", "delegate": "delegate"}
    for label, link in links.items():
        url = urlsplit(link)
        assert url.scheme == "https" and url.netloc == "hall.example"
        page = pages.get(label, "console" if label.startswith("interpreter") else "venue")
        assert url.path == f"/{page}/demo"
        grant = authority.verify(url.fragment.removeprefix("token="))
        assert grant.meeting == "demo"
        if label.startswith("venue"):
            assert grant.role is Role.VENUE and grant.venue == label.split()[1]
        if label.startswith("interpreter"):
            assert grant.role is Role.INTERPRETER and (grant.booth or "?") in label


def test_token_prints_one_line(tmp_path: Path) -> None:
    result = silkhall("token", "--data-dir", str(tmp_path), "--meeting", "demo", "--role",
                      "interpreter", "--booth", "zh", "--name", "Li", "--ttl", "600")
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1
    grant = TokenAuthority(load_secret(tmp_path)).verify(result.stdout.strip())
    assert (grant.role, grant.booth, grant.name) == (Role.INTERPRETER, "zh", "Li")
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    link = silkhall("token", "--data-dir", str(tmp_path), "--meeting", "demo", "--role",
                    "delegate", "--link").stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/delegate/demo#token=")
    refused = silkhall("token", "--data-dir", str(tmp_path), "--meeting", "demo", "--role",
                       "venue")
    assert refused.returncode == 2 and "venue" in refused.stderr


def test_venue_and_devices_commands_document_themselves() -> None:
    help_text = silkhall("venue", "--help").stdout
    for option in ("--server", "--token", "--input", "--output", "--listen", "--camera"):
        assert option in help_text
    assert silkhall("devices").returncode == 0
