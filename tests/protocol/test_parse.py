"""``parse_client_message``: every client message, and every way to get one wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.protocol import (
    MAX_MESSAGE_BYTES,
    MAX_SDP,
    Answer,
    Candidate,
    ErrorCode,
    Hello,
    Leave,
    Listen,
    MediaState,
    Message,
    Ping,
    ProtocolError,
    View,
    parse_client_message,
)

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

VALID: list[tuple[str, dict[str, Any], type[Message]]] = [
    ("hello", {"type": "hello", "protocol": 1, "token": "t.o.k", "meeting": "demo"}, Hello),
    (
        "hello_resume",
        {"type": "hello", "protocol": 1, "token": "t", "meeting": "demo", "resume": "d-1a2b"},
        Hello,
    ),
    ("hello_resume_null", {"type": "hello", "protocol": 1, "token": "t", "meeting": "m",
                           "resume": None}, Hello),
    ("answer", {"type": "answer", "sdp": SDP}, Answer),
    ("answer_longest", {"type": "answer", "sdp": "v" * MAX_SDP}, Answer),
    ("candidate", {"type": "candidate", "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host",
                   "sdp_mid": "0", "sdp_mline_index": 0}, Candidate),
    ("candidate_minimal", {"type": "candidate", "candidate": ""}, Candidate),
    ("candidate_last_line", {"type": "candidate", "candidate": "c", "sdp_mline_index": 255},
     Candidate),
    ("media", {"type": "media", "mic": True, "camera": False}, MediaState),
    ("view_none", {"type": "view", "participants": []}, View),
    ("view_nine", {"type": "view", "participants": [f"p{i}" for i in range(9)]}, View),
    ("listen_floor", {"type": "listen", "language": "floor"}, Listen),
    ("listen_language", {"type": "listen", "language": "zh"}, Listen),
    ("listen_three_letters", {"type": "listen", "language": "yue"}, Listen),
    ("ping", {"type": "ping", "id": 7}, Ping),
    ("ping_no_id", {"type": "ping"}, Ping),
    ("ping_negative_id", {"type": "ping", "id": -1}, Ping),
    ("leave", {"type": "leave"}, Leave),
]


@pytest.mark.parametrize(("data", "kind"), [(d, k) for _, d, k in VALID],
                         ids=[name for name, _, _ in VALID])
def test_valid_message(data: dict[str, Any], kind: type[Message]) -> None:
    message = parse_client_message(json.dumps(data))
    assert isinstance(message, kind)
    assert message.model_dump(exclude_unset=True) == data


def test_valid_message_from_bytes() -> None:
    message = parse_client_message(b'{"type": "ping", "id": 3}')
    assert message == Ping(type="ping", id=3)


def test_defaults() -> None:
    assert parse_client_message('{"type": "ping"}').id == 0
    hello = parse_client_message('{"type":"hello","protocol":1,"token":"t","meeting":"m"}')
    assert hello.resume is None
    candidate = parse_client_message('{"type": "candidate", "candidate": "c"}')
    assert (candidate.sdp_mid, candidate.sdp_mline_index) == (None, None)


HELLO = {"type": "hello", "protocol": 1, "token": "t", "meeting": "demo"}
MEDIA = {"type": "media", "mic": True, "camera": False}


def without(data: dict[str, Any], key: str) -> str:
    return json.dumps({k: v for k, v in data.items() if k != key})


def having(data: dict[str, Any], **fields: Any) -> str:
    return json.dumps({**data, **fields})


# (case, raw message, error code, field named)
INVALID: list[tuple[str, str | bytes, ErrorCode, str | None]] = [
    # not JSON
    ("empty", "", ErrorCode.BAD_JSON, None),
    ("truncated", '{"type": "ping"', ErrorCode.BAD_JSON, None),
    ("single_quotes", "{'type': 'ping'}", ErrorCode.BAD_JSON, None),
    ("trailing_garbage", '{"type": "ping"} x', ErrorCode.BAD_JSON, None),
    ("not_utf8", b'{"type": "\xff"}', ErrorCode.BAD_JSON, None),
    # Small enough to pass the size limit, deep enough to exhaust the decoder.
    ("nested_too_deeply", "[" * 30_000, ErrorCode.BAD_JSON, None),
    ("nested_field", '{"type": "ping", "id": ' + "[" * 30_000, ErrorCode.BAD_JSON, None),
    # JSON, but not an object
    ("array", '[{"type": "ping"}]', ErrorCode.INVALID_MESSAGE, None),
    ("string", '"ping"', ErrorCode.INVALID_MESSAGE, None),
    ("number", "42", ErrorCode.INVALID_MESSAGE, None),
    ("null", "null", ErrorCode.INVALID_MESSAGE, None),
    # the type
    ("missing_type", '{"id": 1}', ErrorCode.INVALID_MESSAGE, "type"),
    ("empty_object", "{}", ErrorCode.INVALID_MESSAGE, "type"),
    ("null_type", '{"type": null}', ErrorCode.INVALID_MESSAGE, "type"),
    ("number_type", '{"type": 1}', ErrorCode.INVALID_MESSAGE, "type"),
    ("list_type", '{"type": ["ping"]}', ErrorCode.INVALID_MESSAGE, "type"),
    ("unknown_type", '{"type": "teleport"}', ErrorCode.UNKNOWN_TYPE, "type"),
    ("server_message_type", '{"type": "pong", "id": 1}', ErrorCode.UNKNOWN_TYPE, "type"),
    ("type_case", '{"type": "PING"}', ErrorCode.UNKNOWN_TYPE, "type"),
    # missing required fields
    ("hello_no_protocol", without(HELLO, "protocol"), ErrorCode.INVALID_MESSAGE, "protocol"),
    ("hello_no_token", without(HELLO, "token"), ErrorCode.INVALID_MESSAGE, "token"),
    ("hello_no_meeting", without(HELLO, "meeting"), ErrorCode.INVALID_MESSAGE, "meeting"),
    ("answer_no_sdp", '{"type": "answer"}', ErrorCode.INVALID_MESSAGE, "sdp"),
    ("candidate_no_candidate", '{"type": "candidate", "sdp_mid": "0"}',
     ErrorCode.INVALID_MESSAGE, "candidate"),
    ("media_no_mic", without(MEDIA, "mic"), ErrorCode.INVALID_MESSAGE, "mic"),
    ("media_no_camera", without(MEDIA, "camera"), ErrorCode.INVALID_MESSAGE, "camera"),
    ("view_no_participants", '{"type": "view"}', ErrorCode.INVALID_MESSAGE, "participants"),
    ("listen_no_language", '{"type": "listen"}', ErrorCode.INVALID_MESSAGE, "language"),
    # wrong-typed fields: no coercion from strings, numbers or booleans
    ("protocol_string", having(HELLO, protocol="1"), ErrorCode.INVALID_MESSAGE, "protocol"),
    ("protocol_float", having(HELLO, protocol=1.5), ErrorCode.INVALID_MESSAGE, "protocol"),
    ("protocol_bool", having(HELLO, protocol=True), ErrorCode.INVALID_MESSAGE, "protocol"),
    ("token_number", having(HELLO, token=12345), ErrorCode.INVALID_MESSAGE, "token"),
    ("meeting_null", having(HELLO, meeting=None), ErrorCode.INVALID_MESSAGE, "meeting"),
    ("resume_number", having(HELLO, resume=7), ErrorCode.INVALID_MESSAGE, "resume"),
    ("sdp_object", '{"type": "answer", "sdp": {"sdp": "v=0"}}', ErrorCode.INVALID_MESSAGE, "sdp"),
    ("mline_string", '{"type": "candidate", "candidate": "c", "sdp_mline_index": "0"}',
     ErrorCode.INVALID_MESSAGE, "sdp_mline_index"),
    ("mic_string", having(MEDIA, mic="yes"), ErrorCode.INVALID_MESSAGE, "mic"),
    ("mic_number", having(MEDIA, mic=1), ErrorCode.INVALID_MESSAGE, "mic"),
    ("camera_string_false", having(MEDIA, camera="false"), ErrorCode.INVALID_MESSAGE, "camera"),
    ("participants_string", '{"type": "view", "participants": "p1"}',
     ErrorCode.INVALID_MESSAGE, "participants"),
    ("participant_number", '{"type": "view", "participants": ["p1", 2]}',
     ErrorCode.INVALID_MESSAGE, "participants.1"),
    ("language_list", '{"type": "listen", "language": ["en"]}',
     ErrorCode.INVALID_MESSAGE, "language"),
    ("ping_id_string", '{"type": "ping", "id": "3"}', ErrorCode.INVALID_MESSAGE, "id"),
    ("ping_id_float", '{"type": "ping", "id": 1.5}', ErrorCode.INVALID_MESSAGE, "id"),
    ("ping_id_bool", '{"type": "ping", "id": true}', ErrorCode.INVALID_MESSAGE, "id"),
    ("ping_id_nan", '{"type": "ping", "id": NaN}', ErrorCode.INVALID_MESSAGE, "id"),
    # values out of bounds
    ("token_empty", having(HELLO, token=""), ErrorCode.INVALID_MESSAGE, "token"),
    ("token_too_long", having(HELLO, token="t" * 4097), ErrorCode.INVALID_MESSAGE, "token"),
    ("meeting_empty", having(HELLO, meeting=""), ErrorCode.INVALID_MESSAGE, "meeting"),
    ("meeting_too_long", having(HELLO, meeting="m" * 129), ErrorCode.INVALID_MESSAGE, "meeting"),
    ("resume_empty", having(HELLO, resume=""), ErrorCode.INVALID_MESSAGE, "resume"),
    ("sdp_empty", '{"type": "answer", "sdp": ""}', ErrorCode.INVALID_MESSAGE, "sdp"),
    ("sdp_too_long", json.dumps({"type": "answer", "sdp": "v" * (MAX_SDP + 1)}),
     ErrorCode.INVALID_MESSAGE, "sdp"),
    ("candidate_too_long", json.dumps({"type": "candidate", "candidate": "c" * 1025}),
     ErrorCode.INVALID_MESSAGE, "candidate"),
    ("mid_too_long", json.dumps({"type": "candidate", "candidate": "c", "sdp_mid": "m" * 33}),
     ErrorCode.INVALID_MESSAGE, "sdp_mid"),
    ("mline_negative", '{"type": "candidate", "candidate": "c", "sdp_mline_index": -1}',
     ErrorCode.INVALID_MESSAGE, "sdp_mline_index"),
    ("mline_too_big", '{"type": "candidate", "candidate": "c", "sdp_mline_index": 256}',
     ErrorCode.INVALID_MESSAGE, "sdp_mline_index"),
    ("view_ten", json.dumps({"type": "view", "participants": [f"p{i}" for i in range(10)]}),
     ErrorCode.INVALID_MESSAGE, "participants"),
    ("view_empty_id", '{"type": "view", "participants": ["p1", ""]}',
     ErrorCode.INVALID_MESSAGE, "participants.1"),
    ("language_name", '{"type": "listen", "language": "English"}',
     ErrorCode.INVALID_MESSAGE, "language"),
    ("language_upper", '{"type": "listen", "language": "EN"}',
     ErrorCode.INVALID_MESSAGE, "language"),
    ("language_region", '{"type": "listen", "language": "zh-CN"}',
     ErrorCode.INVALID_MESSAGE, "language"),
    # extra fields are forbidden
    ("ping_extra", '{"type": "ping", "id": 1, "sent": 1700000000}',
     ErrorCode.INVALID_MESSAGE, "sent"),
    ("leave_reason", '{"type": "leave", "reason": "bye"}', ErrorCode.INVALID_MESSAGE, "reason"),
    ("hello_role", having(HELLO, role="organiser"), ErrorCode.INVALID_MESSAGE, "role"),
    ("answer_type_field", '{"type": "answer", "sdp": "v=0", "sdp_type": "answer"}',
     ErrorCode.INVALID_MESSAGE, "sdp_type"),
]


@pytest.mark.parametrize(("raw", "code", "field"), [(r, c, f) for _, r, c, f in INVALID],
                         ids=[name for name, _, _, _ in INVALID])
def test_invalid_message(raw: str | bytes, code: ErrorCode, field: str | None) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    error = caught.value
    assert (error.code, error.field) == (code, field), error.message
    assert error.message
    message = error.to_message()
    assert (message.type, message.code, message.field) == ("error", code, field)


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ('{"type": "teleport"}', "teleport"),
        ('{"type": "ping", "id": "3"}', "ping"),
        ('{"type": "media", "mic": true}', "media"),
        ('{"type": 3}', None),
        ("[]", None),
        ("{", None),
    ],
)
def test_error_refers_to_the_message_type(raw: str, ref: str | None) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    assert caught.value.ref == ref


def padded_ping(size: int) -> str:
    """A valid ping of exactly ``size`` bytes (JSON allows any whitespace)."""
    head, tail = '{"type": "ping", "id": 1', "}"
    return head + " " * (size - len(head) - len(tail)) + tail


def test_message_exactly_at_the_limit_is_accepted() -> None:
    raw = padded_ping(MAX_MESSAGE_BYTES)
    assert len(raw.encode()) == MAX_MESSAGE_BYTES
    assert parse_client_message(raw) == Ping(type="ping", id=1)
    assert parse_client_message(raw.encode()) == Ping(type="ping", id=1)


@pytest.mark.parametrize(
    "raw",
    [
        padded_ping(MAX_MESSAGE_BYTES + 1),
        padded_ping(MAX_MESSAGE_BYTES + 1).encode(),
        padded_ping(1024 * 1024),
        # fewer characters than the limit, more bytes: the limit counts UTF-8 bytes
        json.dumps({"type": "answer", "sdp": "é" * 40_000}, ensure_ascii=False),
        # not even JSON: size is checked first
        "x" * (MAX_MESSAGE_BYTES + 1),
    ],
    ids=["one_byte_over", "one_byte_over_bytes", "one_mebibyte", "multibyte", "garbage"],
)
def test_oversize_message(raw: str | bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    assert (caught.value.code, caught.value.field) == (ErrorCode.TOO_LARGE, None)
    assert str(MAX_MESSAGE_BYTES) in caught.value.message


def test_limit_is_a_parameter() -> None:
    raw = padded_ping(200)
    assert parse_client_message(raw, max_bytes=200) == Ping(type="ping", id=1)
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw, max_bytes=199)
    assert caught.value.code is ErrorCode.TOO_LARGE
