"""Malformed messages, oversize messages and floods, on a real server.

An error on a joined connection leaves it open; the transport limit and
floods close only the offending connection; the meeting goes on working.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription

from server.auth.roles import Role
from server.protocol import MAX_MESSAGE_BYTES, ErrorCode
from tests.protocol.rawclient import (
    LIMITS,
    TRANSPORT_LIMIT,
    Client,
    Connect,
    Json,
    Raw,
    about,
    assert_meeting_works,
    assert_still_working,
    join,
    padded_ping,
)
from tests.support.live import LiveServer

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
