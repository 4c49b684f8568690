"""Whatever a client sends, ``parse_client_message`` answers with a message or
a ProtocolError: never another exception (that would be an ``internal``
error instead of the documented one)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.protocol import CLIENT_TYPES, Message, ProtocolError, parse_client_message

LIMIT = 4096  # small, so that oversize inputs are generated too

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20,
)
# Objects that look like client messages: a known type, then fields of the
# right names with values of any type (where the validation is exercised).
FIELDS = ["protocol", "token", "meeting", "resume", "sdp", "candidate", "sdp_mid", "mic",
          "camera", "id", "channel", "source", "output", "on", "held", "text", "language",
          "item", "participant", "seconds", "venue", "muted", "media", "moderated"]
message_like = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(sorted(CLIENT_TYPES)),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)


def answers_properly(raw: str | bytes) -> None:
    try:
        message = parse_client_message(raw, LIMIT)
    except ProtocolError as error:
        assert error.message
        return
    assert isinstance(message, Message)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_any_text_or_bytes(raw: str | bytes) -> None:
    answers_properly(raw)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value(value: Any) -> None:
    answers_properly(json.dumps(value))


@settings(max_examples=500, deadline=None)
@given(message_like)
def test_messages_with_fields_of_any_type(value: dict[str, Any]) -> None:
    answers_properly(json.dumps(value))


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=LIMIT), st.sampled_from(["[", "{\"a\":", "[{\"a\":"]))
def test_deep_nesting(depth: int, opener: str) -> None:
    answers_properly(opener * depth)
