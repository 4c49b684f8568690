"""A raw signalling client for the protocol tests, and what they share.

It sends anything, malformed or not, and reads back exactly what the server
answers: the tests prove every refusal gets its documented error (and close
code, where the connection is closed), and that afterwards the connection,
where it stays open, and the meeting go on working.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from server.auth.roles import Role
from server.config import Limits
from server.protocol import PROTOCOL_VERSION, ErrorCode
from tests.support.live import LiveServer

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
