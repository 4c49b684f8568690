"""Messages a role may not send are refused, and the connection stays open."""

from __future__ import annotations

import pytest

from server.auth.roles import Role
from server.protocol import ErrorCode
from tests.protocol.rawclient import Client, Connect, Json, assert_still_working, join
from tests.support.live import LiveServer

# --- permissions ------------------------------------------------------------------

# (case, role, token claims, message): each role lacks the message's permission
FORBIDDEN: list[tuple[str, Role, Json, Json]] = [
    ("delegate_console_mic", Role.DELEGATE, {}, {"type": "console_mic", "on": True}),
    ("venue_handover", Role.VENUE, {"venue": "lyon"}, {"type": "handover_request"}),
    ("organiser_booth_chat", Role.ORGANISER, {}, {"type": "booth_chat", "text": "hello"}),
    ("interpreter_floor_language", Role.INTERPRETER, {"booth": "zh"},
     {"type": "set_floor_language", "language": "zh"}),
    ("delegate_floor_language", Role.DELEGATE, {}, {"type": "set_floor_language",
                                                    "language": "zh"}),
]


@pytest.mark.parametrize(
    ("role", "claims", "message"), [case[1:] for case in FORBIDDEN],
    ids=[case[0] for case in FORBIDDEN],
)
async def test_forbidden(
    server: LiveServer, connect: Connect, observer: Client,
    role: Role, claims: Json, message: Json,
) -> None:
    client = await join(server, connect, role, **claims)
    await client.send(message)
    error = await client.expect_error(ErrorCode.FORBIDDEN, None)
    assert error["ref"] == message["type"]
    assert role.value in error["message"]
    await assert_still_working(client, observer)


async def test_permitted_counterpart(server: LiveServer, connect: Connect) -> None:
    """The chair may set the floor language that others may not."""
    chair = await join(server, connect, Role.ORGANISER)
    await chair.send({"type": "set_floor_language", "language": "zh"})
    await chair.ping()  # no error before the pong
