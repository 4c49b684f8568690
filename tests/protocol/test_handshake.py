"""Joining and leaving over the signalling WebSocket, on a real server.

Every refused hello gets its documented error (or close code), and the same
connection can still join; joining twice, leaving and resuming a shared
invitation end or keep the right session.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import jwt
import pytest
import websockets

from server.auth.roles import Role
from server.auth.tokens import AUDIENCE, ISSUER, TokenAuthority, load_secret
from server.config import Limits
from server.protocol import PROTOCOL_VERSION, ErrorCode
from tests.protocol.rawclient import (
    Client,
    Connect,
    Json,
    about,
    assert_meeting_works,
    assert_still_working,
    join,
)
from tests.support.live import LiveServer, live_server

# --- errors before joining ----------------------------------------------------


def forged(server: LiveServer) -> str:
    return TokenAuthority(b"a secret that is not the server's").mint("demo", Role.DELEGATE)


def expired(server: LiveServer) -> str:
    return server.services.authority.mint("demo", Role.DELEGATE, ttl=60, now=time.time() - 120)


def claims(**extra: Any) -> Json:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600, "sub": "mallory",
            "mtg": "demo", "name": "Mallory", "role": "delegate", **extra}


def unknown_role(server: LiveServer) -> str:
    """Correctly signed (with the data directory's secret), but no such role."""
    secret = load_secret(server.settings.data_dir)
    return jwt.encode(claims(role="admin"), secret, algorithm="HS256")


def unsigned(server: LiveServer) -> str:
    return jwt.encode(claims(), "", algorithm="none")


def other_audience(server: LiveServer) -> str:
    secret = load_secret(server.settings.data_dir)
    return jwt.encode(claims(aud="somebody-else"), secret, algorithm="HS256")


def delegate(meeting: str) -> Callable[[LiveServer], str]:
    return lambda server: server.token(Role.DELEGATE, meeting=meeting)


# (case, token, hello fields, error code, field)
HELLO_ERRORS: list[tuple[str, Callable[[LiveServer], str], Json, ErrorCode, str]] = [
    ("not_a_token", lambda server: "not-a-token", {}, ErrorCode.BAD_TOKEN, "token"),
    ("forged", forged, {}, ErrorCode.BAD_TOKEN, "token"),
    ("unsigned", unsigned, {}, ErrorCode.BAD_TOKEN, "token"),
    ("unknown_role", unknown_role, {}, ErrorCode.BAD_TOKEN, "token"),
    ("other_audience", other_audience, {}, ErrorCode.BAD_TOKEN, "token"),
    ("expired", expired, {}, ErrorCode.TOKEN_EXPIRED, "token"),
    ("token_for_another_meeting", delegate("lyon-2021"), {}, ErrorCode.WRONG_MEETING, "meeting"),
    ("unknown_meeting", delegate("atlantis"), {"meeting": "atlantis"},
     ErrorCode.UNKNOWN_MEETING, "meeting"),
    ("protocol_version", delegate("demo"), {"protocol": PROTOCOL_VERSION + 1},
     ErrorCode.PROTOCOL_VERSION, "protocol"),
    ("booth_not_in_meeting",
     lambda server: server.token(Role.INTERPRETER, booth="ja"), {}, ErrorCode.NOT_FOUND, "token"),
    ("venue_not_in_meeting",
     lambda server: server.token(Role.VENUE, venue="atlantis"), {}, ErrorCode.NOT_FOUND, "token"),
]


@pytest.mark.parametrize(
    ("token", "hello", "code", "field"),
    [case[1:] for case in HELLO_ERRORS],
    ids=[case[0] for case in HELLO_ERRORS],
)
async def test_refused_hello_then_valid_hello(
    server: LiveServer, connect: Connect, observer: Client,
    token: Callable[[LiveServer], str], hello: Json, code: ErrorCode, field: str,
) -> None:
    client = await connect()
    await client.send(
        {"type": "hello", "protocol": PROTOCOL_VERSION, "token": token(server),
         "meeting": "demo", **hello}
    )
    error = await client.expect_error(code, field)
    assert error["ref"] == "hello"
    # still not joined
    await client.send({"type": "ping", "id": 1})
    await client.expect_error(ErrorCode.NOT_AUTHENTICATED, None)
    # the same connection can still join, and the meeting sees it come
    await client.hello(server.token(Role.DELEGATE))
    await client.welcome()
    await observer.expect("participant_joined", about(client.id))
    await assert_still_working(client, observer)


async def test_failed_hello_leaves_no_meeting_open(server: LiveServer, connect: Connect) -> None:
    client = await connect()
    await client.hello(server.token(Role.INTERPRETER, booth="ja"))
    await client.expect_error(ErrorCode.NOT_FOUND, "token")
    room = server.services.hub.get("demo")
    assert room is not None and room.empty
    await asyncio.sleep(server.settings.idle_close + 0.5)
    assert server.services.hub.get("demo") is None, "an empty meeting stays open"
    await join(server, connect)  # and opens again for the next participant


@pytest.mark.parametrize(
    "message",
    [
        {"type": "ping", "id": 1},
        {"type": "media", "mic": True, "camera": True},
        {"type": "answer", "sdp": "v=0"},
        {"type": "listen", "language": "zh"},
        {"type": "leave"},
    ],
    ids=lambda m: m["type"],
)
async def test_message_before_hello(
    server: LiveServer, connect: Connect, observer: Client, message: Json
) -> None:
    client = await connect()
    await client.send(message)
    error = await client.expect_error(ErrorCode.NOT_AUTHENTICATED, None)
    assert error["ref"] == message["type"]
    await client.hello(server.token(Role.DELEGATE))
    await client.welcome()
    await observer.expect("participant_joined", about(client.id))
    await assert_still_working(client, observer)


async def test_too_many_failed_hellos_close_4001(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    client = await connect()
    for _ in range(4):
        await client.hello("not-a-token")
        await client.expect_error(ErrorCode.BAD_TOKEN, "token")
    await client.hello("not-a-token")
    code, reason, messages = await client.closed()
    assert code == 4001, reason
    assert [(m["type"], m.get("code")) for m in messages] == [("error", "bad_token")]
    await assert_meeting_works(server, connect, observer)


async def test_hello_timeout_closes_4000(tmp_path: Path) -> None:
    limits = Limits(hello_timeout=0.5)
    async with live_server(tmp_path, limits=limits) as server, AsyncExitStack() as stack:

        async def open_connection() -> Client:
            return Client(await stack.enter_async_context(websockets.connect(server.ws_url)))

        late = await open_connection()
        joined = await join(server, open_connection)
        code, reason, messages = await late.closed()
        assert code == 4000, reason
        assert [(m["type"], m["code"]) for m in messages] == [("error", "not_authenticated")]
        # a joined participant is not timed out
        await asyncio.sleep(0.5)
        await joined.ping()


# --- joining twice -----------------------------------------------------------


async def test_second_hello(server: LiveServer, connect: Connect, observer: Client) -> None:
    client = await join(server, connect)
    await client.hello(server.token(Role.DELEGATE))
    error = await client.expect_error(ErrorCode.ALREADY_AUTHENTICATED, None)
    assert error["ref"] == "hello"
    await assert_still_working(client, observer)


async def test_joining_again_replaces_4009(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    token = server.token(Role.DELEGATE, identity="alice", name="Alice")
    first = await connect()
    await first.hello(token)
    await first.welcome()
    second = await connect()
    await second.hello(token)
    welcome = await second.welcome()
    assert welcome["you"]["id"] == first.id == "alice"
    code, _, messages = await first.closed()
    assert code == 4009
    assert [m["type"] for m in messages][-1:] == ["bye"]
    await observer.expect("participant_left", lambda m: m["id"] == "alice")
    await observer.expect("participant_joined", about("alice"))
    await assert_still_working(second, observer)


async def test_resume_shared_invitation(server: LiveServer, connect: Connect) -> None:
    token = server.token(Role.DELEGATE, identity="guest", shared=True)
    first = await connect()
    await first.hello(token)
    welcome = await first.welcome()
    participant, resume = welcome["you"]["id"], welcome["resume"]
    assert participant.startswith("guest-") and resume.startswith(participant + ".")
    await first.ws.close()

    again = await connect()
    await again.hello(token, resume=resume)
    assert (await again.welcome())["you"]["id"] == participant

    # Knowing someone's id (every participant sees it) is not enough to
    # take their place: it needs their resume token.
    hijacker = await connect()
    await hijacker.hello(token, resume=participant)
    assert (await hijacker.welcome())["you"]["id"] != participant
    await again.ping()

    # another holder of the invitation is another participant...
    other = await connect()
    await other.hello(token)
    assert (await other.welcome())["you"]["id"] not in (participant, "guest")
    # ...and cannot take an id the invitation does not cover
    thief = await connect()
    await thief.hello(token, resume="alice")
    stolen = (await thief.welcome())["you"]["id"]
    assert stolen.startswith("guest-") and stolen != participant
    await again.ping()


# --- closing -------------------------------------------------------------------


async def test_leave(server: LiveServer, connect: Connect, observer: Client) -> None:
    client = await join(server, connect)
    await client.send({"type": "leave"})
    code, _, messages = await client.closed()
    assert code == 1000
    assert [m for m in messages if m["type"] == "bye"] == [{"type": "bye", "reason": "left"}]
    await observer.expect("participant_left", lambda m: m["id"] == client.id)
    await assert_meeting_works(server, connect, observer)
