"""The REST API fuzzed by schemathesis against a real server, as a site
organiser: no 500s, and every answer is one the OpenAPI document describes
(status, content type, body schema, headers), for valid and invalid requests.

Bounded (ten examples an operation, fixed seed, no stateful phase) so that it
takes seconds. Its ``positive_data_acceptance`` check is left out: it expects
schema-valid requests to succeed, and some cannot — rules a JSON Schema does
not express (a version in If-Match *or* the body, items inside the meeting,
known time zones) are refused with their documented 4xx.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from agenda.demo import demo_meeting
from tests.support.live import LiveServer

CHECKS = "all"
LEFT_OUT = "positive_data_acceptance"


def config(meeting_id: str) -> str:
    """Ids of the demo meeting, so that requests reach past the 404s."""
    meeting = demo_meeting()

    def values(ids: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in ids) + "]"

    return f"""
[dictionaries.meetings]
values = ["{meeting_id}"]
[dictionaries.items]
values = {values([i.id for i in meeting.items])}
[dictionaries.venues]
values = {values([v.id for v in meeting.venues])}
[dictionaries.booths]
values = {values([b.id for b in meeting.booths])}

[parameters]
"path.meeting_id" = {{ dictionary = "meetings", probability = 0.8 }}
"path.item_id" = {{ dictionary = "items", probability = 0.7 }}
"path.venue_id" = {{ dictionary = "venues", probability = 0.7 }}
"path.booth_id" = {{ dictionary = "booths", probability = 0.7 }}
"""


async def test_schemathesis_finds_no_server_error_or_undocumented_answer(
    server: LiveServer, tmp_path: Path
) -> None:
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config("demo"), encoding="utf-8")
    token = server.token("organiser", meeting="*")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(settings),
        "run", f"{server.base}/api/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--exclude-checks", LEFT_OUT,
        "--phases", "coverage,fuzzing", "--max-examples", "10", "--seed", "1",
        "--workers", "1", "--request-timeout", "20", "--output-truncate", "false",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 240)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-8000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", text)
    assert counted is not None and int(counted[1]) == int(counted[2]) > 500, text[-2000:]
