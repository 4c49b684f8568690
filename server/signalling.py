"""The signalling WebSocket: read, limit, parse, dispatch, write.

One :class:`SignallingSession` per connection. It only moves messages: what a
message does is decided by the handlers in :mod:`server.actions`, behind the
single permission check in :class:`server.actions.Dispatcher`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.config import Limits
from server.limits import AbuseCounter, TokenBucket
from server.protocol import (
    Bye,
    ErrorCode,
    ErrorMessage,
    Hello,
    Message,
    ProtocolError,
    encode,
    parse_client_message,
)

if TYPE_CHECKING:
    from server.actions import Dispatcher

log = logging.getLogger(__name__)

# WebSocket close codes (docs/protocol.md, "Closing")
CLOSE_NORMAL = 1000
CLOSE_ABUSE = 1008
CLOSE_SLOW = 4008
CLOSE_HELLO_TIMEOUT = 4000
CLOSE_HELLO_FAILED = 4001
CLOSE_REPLACED = 4009
CLOSE_MEETING_ENDED = 4010
CLOSE_REDIRECT = 4307
MAX_FAILED_HELLOS = 5


class WsConnection:
    """Writes to one WebSocket through a bounded outbox; never blocks senders."""

    def __init__(self, ws: WebSocket, limits: Limits) -> None:
        self._ws = ws
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=limits.outbox)
        self._close: tuple[int, str] | None = None
        self._writer = asyncio.ensure_future(self._write())
        self.closed = asyncio.Event()

    def send(self, message: Message) -> None:
        if self._close is not None:
            return
        try:
            self._outbox.put_nowait(encode(message))
        except asyncio.QueueFull:
            # A client that does not read its messages is dropped, never waited for.
            self.close(CLOSE_SLOW, "client too slow")

    def close(self, code: int, reason: str) -> None:
        if self._close is not None:
            return
        self._close = (code, reason)
        try:
            self._outbox.put_nowait(None)
        except asyncio.QueueFull:
            # The outbox is full of messages the client will never read.
            while not self._outbox.empty():
                self._outbox.get_nowait()
            self._outbox.put_nowait(None)

    async def _write(self) -> None:
        try:
            while True:
                text = await self._outbox.get()
                if text is None:
                    break
                await self._ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            await self._finish()

    async def _finish(self) -> None:
        code, reason = self._close or (CLOSE_NORMAL, "")
        if self._ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self._ws.close(code, reason)
        self.closed.set()

    async def drain(self, timeout: float = 2.0) -> None:
        """Let queued messages go out (used before closing)."""
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), timeout)
        except (TimeoutError, asyncio.CancelledError):
            self._writer.cancel()


class SignallingSession:
    """Reads one client's messages and hands them to the dispatcher."""

    def __init__(self, ws: WebSocket, limits: Limits, dispatcher: Dispatcher) -> None:
        self.ws = ws
        self.limits = limits
        self.dispatcher = dispatcher
        self.connection: WsConnection | None = None
        now = time.monotonic()
        self._bucket = TokenBucket(limits.messages_per_second, limits.burst, now)
        self._abuse = AbuseCounter(limits.abuse_threshold, limits.abuse_window)
        self.participant_id: str | None = None
        self.meeting_id: str | None = None
        self._failed_hellos = 0

    async def run(self) -> None:
        await self.ws.accept()
        connection = self.connection = WsConnection(self.ws, self.limits)
        reader = asyncio.ensure_future(self._read(connection))
        hello_deadline = asyncio.ensure_future(self._hello_deadline(connection))
        try:
            await asyncio.wait(
                [reader, asyncio.ensure_future(connection.closed.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            hello_deadline.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await self.dispatcher.disconnected(self)
            connection.close(CLOSE_NORMAL, "")
            await connection.drain()

    async def _hello_deadline(self, connection: WsConnection) -> None:
        await asyncio.sleep(self.limits.hello_timeout)
        if self.participant_id is None:
            connection.send(
                ErrorMessage(
                    code=ErrorCode.NOT_AUTHENTICATED,
                    message="no valid hello within the time allowed",
                )
            )
            connection.close(CLOSE_HELLO_TIMEOUT, "hello timeout")

    async def _read(self, connection: WsConnection) -> None:
        while True:
            try:
                event = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if event["type"] == "websocket.disconnect":
                return
            raw: str | bytes | None = event.get("text")
            if raw is None:
                raw = event.get("bytes") or b""
            await self._handle(connection, raw)

    async def _handle(self, connection: WsConnection, raw: str | bytes) -> None:
        now = time.monotonic()
        if not self._bucket.allow(now):
            self._refuse(connection, now, ProtocolError(
                ErrorCode.RATE_LIMITED,
                f"more than {self.limits.messages_per_second:g} messages per second; "
                "messages are being dropped",
            ), notify_rarely=True)
            return
        message: Any = None
        try:
            message = parse_client_message(raw, self.limits.max_message_bytes)
            if isinstance(message, Hello):
                await self._hello(connection, message)
            elif self.participant_id is None:
                raise ProtocolError(
                    ErrorCode.NOT_AUTHENTICATED, "send hello first", ref=str(message.type)
                )
            else:
                await self.dispatcher.dispatch(self, message)
        except ProtocolError as error:
            if error.ref is None and message is not None:
                error.ref = message.type  # the request this error refuses
            if error.code is ErrorCode.TOO_LARGE:
                self._refuse(connection, now, error)
            else:
                connection.send(error.to_message())
            if self._failed_hellos >= MAX_FAILED_HELLOS:  # after the error went out
                connection.close(CLOSE_HELLO_FAILED, "too many failed hellos")
        except Exception:
            log.exception("handling a message failed")
            connection.send(
                ErrorMessage(code=ErrorCode.INTERNAL, message="the server failed on this message")
            )

    async def _hello(self, connection: WsConnection, hello: Hello) -> None:
        if self.participant_id is not None:
            raise ProtocolError(ErrorCode.ALREADY_AUTHENTICATED, "hello was already accepted")
        try:
            await self.dispatcher.hello(self, hello)
        except ProtocolError:
            self._failed_hellos += 1
            raise

    def _refuse(
        self,
        connection: WsConnection,
        now: float,
        error: ProtocolError,
        notify_rarely: bool = False,
    ) -> None:
        if self._abuse.strike(now):
            connection.send(Bye(reason="closed for flooding or oversize messages"))
            connection.close(CLOSE_ABUSE, "abuse")
            return
        if not notify_rarely or self._abuse.should_notify(now):
            connection.send(error.to_message())
