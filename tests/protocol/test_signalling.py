"""The signalling WebSocket over a real connection to a real server.

Every refusal gets its documented error (and close code, where the connection
is closed), and afterwards the connection, where it stays open, and the
meeting go on working: the client still gets its ``pong``, another
participant still sees it come and go.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from websockets.asyncio.client import ClientConnection

from server.auth.roles import Role
from server.auth.tokens import AUDIENCE, ISSUER, TokenAuthority, load_secret
from server.config import Limits
from server.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ErrorCode
from tests.support.live import LiveServer, live_server

Json = dict[str, Any]
Raw = Json | str | bytes

# Small enough that flooding is quick to provoke, large enough that ordinary
# test traffic never meets it.
LIMITS = Limits(
    messages_per_second=10.0,
    burst=20,
    abuse_threshold=40,
    abuse_window=2.0,
    hello_timeout=5.0,
)
TRANSPORT_LIMIT = 1024 * 1024
WAIT = 5.0


class Closed(Exception):
    """The server closed the connection while a message was awaited."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code} {reason!r}")
        self.code = code
        self.reason = reason


@dataclass
class Client:
    """One signalling connection, as a browser would hold it."""

    ws: ClientConnection
    id: str = ""
    received: list[Json] = field(default_factory=list)
    _pings: int = 0

    async def send(self, message: Raw) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def receive(self, timeout: float = WAIT) -> Json:
        try:
            text = await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as exc:
            rcvd = exc.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from exc
        message: Json = json.loads(text)
        self.received.append(message)
        return message

    async def expect(
        self, kind: str, where: Callable[[Json], bool] = lambda m: True, timeout: float = WAIT
    ) -> Json:
        """The next message of this type (and predicate); others are skipped,
        except errors, which nobody expected."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.receive(max(0.01, deadline - time.monotonic()))
            if message["type"] == kind and where(message):
                return message
            assert message["type"] != "error", f"unexpected error while awaiting {kind}: {message}"

    async def expect_error(self, code: ErrorCode, field: str | None) -> Json:
        error = await self.expect("error")
        assert (error["code"], error["field"]) == (code.value, field), error
        assert error["message"]
        return error

    async def ping(self) -> None:
        """A ping gets its pong: the connection works and is read in order."""
        self._pings += 1
        await self.send({"type": "ping", "id": self._pings})
        await self.expect("pong", lambda m: m["id"] == self._pings)

    async def hello(self, token: str, meeting: str = "demo", **extra: Any) -> None:
        await self.send(
            {"type": "hello", "protocol": PROTOCOL_VERSION, "token": token, "meeting": meeting,
             **extra}
        )

    async def welcome(self) -> Json:
        welcome = await self.expect("welcome")
        self.id = welcome["you"]["id"]
        return welcome

    async def closed(self, timeout: float = WAIT) -> tuple[int | None, str, list[Json]]:
        """Read until the server closes; the close code, reason and messages."""
        messages: list[Json] = []
        try:
            while True:
                messages.append(await self.receive(timeout))
        except Closed as closed:
            return closed.code, closed.reason, messages

    async def collect(self, duration: float) -> list[tuple[float, Json]]:
        """Everything that arrives within ``duration``, with arrival times."""
        out: list[tuple[float, Json]] = []
        deadline = time.monotonic() + duration
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await self.receive(left)
            except TimeoutError:
                break
            out.append((time.monotonic(), message))
        return out


Connect = Callable[[], Awaitable[Client]]


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


async def join(server: LiveServer, connect: Connect, role: Role = Role.DELEGATE,
               **token: Any) -> Client:
    """A joined participant: hello answered by welcome, then the server's offer."""
    client = await connect()
    await client.hello(server.token(role, **token))
    welcome = await client.welcome()
    assert welcome["protocol"] == PROTOCOL_VERSION
    offer = await client.expect("offer")
    assert offer["sdp"].startswith("v=0") and offer["slots"]
    return client


@pytest.fixture
async def observer(server: LiveServer, connect: Connect) -> Client:
    """Another participant of the meeting, watching it stay healthy."""
    return await join(server, connect, name="Observer")


def about(participant: str, **state: Any) -> Callable[[Json], bool]:
    def match(message: Json) -> bool:
        info = message["participant"]
        return bool(info["id"] == participant and all(info[k] == v for k, v in state.items()))

    return match


async def assert_still_working(client: Client, observer: Client) -> None:
    """The client's connection works and the meeting still hears about it."""
    await client.ping()
    await client.send({"type": "media", "mic": False, "camera": True})
    await observer.expect("participant_updated", about(client.id, camera=True))
    await observer.ping()


async def assert_meeting_works(server: LiveServer, connect: Connect, observer: Client) -> None:
    """The observer still hears newcomers, and answers pings."""
    newcomer = await join(server, connect, name="Newcomer")
    joined = await observer.expect("participant_joined", about(newcomer.id))
    assert joined["participant"]["name"] == "Newcomer"
    await observer.ping()
    await newcomer.ping()


def padded_ping(size: int) -> str:
    """A valid ping of exactly ``size`` bytes."""
    head, tail = '{"type": "ping", "id": 1', "}"
    return head + " " * (size - len(head) - len(tail)) + tail


# --- errors on a joined connection: it stays open -----------------------------

# (case, message, error code, field, ref)
JOINED_ERRORS: list[tuple[str, Raw, ErrorCode, str | None, str | None]] = [
    ("malformed_json", '{"type": "ping"', ErrorCode.BAD_JSON, None, None),
    ("binary_not_json", b"\x00\xff", ErrorCode.BAD_JSON, None, None),
    ("not_an_object", '["ping"]', ErrorCode.INVALID_MESSAGE, None, None),
    ("missing_type", {"id": 1}, ErrorCode.INVALID_MESSAGE, "type", None),
    ("type_not_a_string", {"type": 7}, ErrorCode.INVALID_MESSAGE, "type", None),
    ("unknown_type", {"type": "teleport"}, ErrorCode.UNKNOWN_TYPE, "type", "teleport"),
    ("server_message_type", {"type": "welcome"}, ErrorCode.UNKNOWN_TYPE, "type", "welcome"),
    ("missing_field", {"type": "media", "mic": True}, ErrorCode.INVALID_MESSAGE, "camera",
     "media"),
    ("wrong_typed_field", {"type": "media", "mic": "yes", "camera": False},
     ErrorCode.INVALID_MESSAGE, "mic", "media"),
    ("wrong_typed_item", {"type": "view", "participants": [1]}, ErrorCode.INVALID_MESSAGE,
     "participants.0", "view"),
    ("extra_field", {"type": "ping", "id": 1, "ts": 0}, ErrorCode.INVALID_MESSAGE, "ts", "ping"),
    ("bad_value", {"type": "listen", "language": "English"}, ErrorCode.INVALID_MESSAGE,
     "language", "listen"),
    ("language_not_in_meeting", {"type": "listen", "language": "de"}, ErrorCode.NOT_FOUND,
     "language", "listen"),
    ("oversize", padded_ping(MAX_MESSAGE_BYTES + 1), ErrorCode.TOO_LARGE, None, None),
    ("oversize_below_transport_limit", padded_ping(TRANSPORT_LIMIT - 1024), ErrorCode.TOO_LARGE,
     None, None),
    ("answer_garbage_sdp", {"type": "answer", "sdp": "this is not SDP"}, ErrorCode.BAD_SDP,
     "sdp", "answer"),
    ("answer_without_media", {"type": "answer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"
                              "t=0 0\r\n"}, ErrorCode.BAD_SDP, "sdp", "answer"),
    ("unusable_candidate", {"type": "candidate", "candidate": "candidate:garbage"},
     ErrorCode.INVALID_MESSAGE, "candidate", "candidate"),
]


@pytest.mark.parametrize(
    ("message", "code", "field", "ref"),
    [case[1:] for case in JOINED_ERRORS],
    ids=[case[0] for case in JOINED_ERRORS],
)
async def test_error_keeps_connection_and_meeting(
    server: LiveServer, connect: Connect, observer: Client,
    message: Raw, code: ErrorCode, field: str | None, ref: str | None,
) -> None:
    client = await join(server, connect)
    await observer.expect("participant_joined", about(client.id))
    await client.send(message)
    error = await client.expect_error(code, field)
    assert error["ref"] == ref
    await assert_still_working(client, observer)
    await assert_meeting_works(server, connect, observer)


async def test_second_hello(server: LiveServer, connect: Connect, observer: Client) -> None:
    client = await join(server, connect)
    await client.hello(server.token(Role.DELEGATE))
    error = await client.expect_error(ErrorCode.ALREADY_AUTHENTICATED, None)
    assert error["ref"] == "hello"
    await assert_still_working(client, observer)


async def test_answer_negotiation_states(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    """bad_sdp leaves the offer pending; a real answer settles it; another
    answer then has no offer to answer (bad_state)."""
    client = await connect()
    await client.hello(server.token(Role.DELEGATE))
    await client.welcome()
    offer = await client.expect("offer")

    stranger = RTCPeerConnection()  # an offer of its own is no answer to ours
    browser = RTCPeerConnection()
    try:
        stranger.addTransceiver("audio")
        await stranger.setLocalDescription(await stranger.createOffer())
        await client.send({"type": "answer", "sdp": stranger.localDescription.sdp})
        error = await client.expect_error(ErrorCode.BAD_SDP, "sdp")
        assert error["ref"] == "answer"

        await browser.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await browser.setLocalDescription(await browser.createAnswer())
        answer = {"type": "answer", "sdp": browser.localDescription.sdp}
        await client.send(answer)
        await client.ping()  # no error came before the pong: the answer was taken

        await client.send(answer)
        error = await client.expect_error(ErrorCode.BAD_STATE, None)
        assert error["ref"] == "answer"
        await assert_still_working(client, observer)
    finally:
        await stranger.close()
        await browser.close()


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


# --- closing -------------------------------------------------------------------


async def test_transport_limit_closes_1009(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    client = await join(server, connect)
    await observer.expect("participant_joined", about(client.id))
    await client.send("x" * (TRANSPORT_LIMIT + 1))
    code, _, _ = await client.closed()
    assert code == 1009
    await observer.expect("participant_left", lambda m: m["id"] == client.id)
    await assert_meeting_works(server, connect, observer)


async def test_leave(server: LiveServer, connect: Connect, observer: Client) -> None:
    client = await join(server, connect)
    await client.send({"type": "leave"})
    code, _, messages = await client.closed()
    assert code == 1000
    assert [m for m in messages if m["type"] == "bye"] == [{"type": "bye", "reason": "left"}]
    await observer.expect("participant_left", lambda m: m["id"] == client.id)
    await assert_meeting_works(server, connect, observer)


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


# --- rate limits and flooding ----------------------------------------------------


async def test_rate_limited_rarely_and_connection_kept(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    client = await join(server, connect)
    bursts: list[list[tuple[float, Json]]] = []
    for burst in range(2):
        # the burst allowance, then more than the bucket holds
        for n in range(LIMITS.burst + 10):
            await client.send({"type": "ping", "id": 1000 * (burst + 1) + n})
        bursts.append(await client.collect(1.2))
    messages = [m for burst in bursts for m in burst]
    errors = [(t, m) for t, m in messages if m["type"] == "error"]
    assert {m["code"] for _, m in errors} == {"rate_limited"}
    # told once per burst, not once per dropped message
    assert [len([1 for _, m in b if m["type"] == "error"]) for b in bursts] == [1, 1]
    assert errors[1][0] - errors[0][0] >= 0.9
    pongs = [m for _, m in messages if m["type"] == "pong"]
    assert LIMITS.burst <= len(pongs) < 2 * (LIMITS.burst + 10)
    await asyncio.sleep(1.0)  # the bucket refills
    await assert_still_working(client, observer)


async def test_flood_closes_only_that_connection_1008(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    flooder = await join(server, connect)
    await observer.expect("participant_joined", about(flooder.id))
    started = time.monotonic()
    try:
        for n in range(500):
            await flooder.send({"type": "ping", "id": n})
    except websockets.ConnectionClosed:
        pass
    code, _, messages = await flooder.closed()
    assert code == 1008
    errors = [m for m in messages if m["type"] == "error"]
    assert {m["code"] for m in errors} == {"rate_limited"}
    assert 1 <= len(errors) <= 1 + int(time.monotonic() - started)
    assert messages[-1]["type"] == "bye"
    # only the flooder is gone
    await observer.expect("participant_left", lambda m: m["id"] == flooder.id)
    await assert_meeting_works(server, connect, observer)


async def test_oversize_flood_closes_1008(
    server: LiveServer, connect: Connect, observer: Client
) -> None:
    client = await join(server, connect)
    big = padded_ping(MAX_MESSAGE_BYTES + 1)
    try:
        for _ in range(LIMITS.abuse_threshold):
            await client.send(big)
    except websockets.ConnectionClosed:
        pass
    code, _, messages = await client.closed()
    assert code == 1008
    # more than the burst allowance, so some were refused for rate as well
    assert "too_large" in {m["code"] for m in messages if m["type"] == "error"}
    assert {m["code"] for m in messages if m["type"] == "error"} <= {"too_large", "rate_limited"}
    assert messages[-1]["type"] == "bye"
    await observer.expect("participant_left", lambda m: m["id"] == client.id)
    await assert_meeting_works(server, connect, observer)


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
