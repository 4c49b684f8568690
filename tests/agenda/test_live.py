"""The live agenda and moderation rules (pure)."""

from __future__ import annotations

import pytest

from agenda.demo import demo_meeting
from agenda.live import LiveAgenda, LiveError


def live() -> LiveAgenda:
    return LiveAgenda.of(demo_meeting())


def test_start_next_previous_goto_and_floor_language() -> None:
    agenda = live()
    with pytest.raises(LiveError) as raised:
        agenda.step(+1, 0)
    assert raised.value.code == "bad_state"
    assert agenda.start(100).id == "opening"
    assert (agenda.index(), agenda.item_started_at, agenda.floor_language()) == (0, 100, "fr")
    assert agenda.step(+1, 200).id == "networks"
    assert agenda.goto("keynote", 300).floor_language == "zh"
    assert agenda.floor_language() == "zh" and agenda.item_started_at == 300
    agenda.goto("keynote", 400)  # same item: its clock keeps running
    assert agenda.item_started_at == 300
    assert agenda.step(-1, 500).id == "networks"
    with pytest.raises(LiveError) as raised:
        agenda.goto("nowhere", 0)
    assert (raised.value.code, raised.value.field) == ("not_found", "item")
    agenda.goto("closing", 600)
    with pytest.raises(LiveError):
        agenda.step(+1, 700)
    agenda.stop()
    assert agenda.current is None and agenda.started_at is None


def test_moderation_queue_grant_limit_and_cap() -> None:
    agenda = live()
    with pytest.raises(LiveError):
        agenda.raise_hand("a", "A", 0)  # not moderated: just unmute
    agenda.set_moderated(True)
    agenda.max_open_mics = 2
    for index, who in enumerate("abc"):
        agenda.raise_hand(who, who.upper(), index)
    agenda.raise_hand("a", "A", 9)  # twice: keeps its place
    assert [h.participant for h in agenda.hands] == ["a", "b", "c"]
    grant = agenda.grant("b", "B", 10, limit=60)
    assert grant.ends_at == 70
    assert [h.participant for h in agenda.hands] == ["a", "c"]
    agenda.grant("a", "A", 11, None)
    with pytest.raises(LiveError) as raised:
        agenda.grant("c", "C", 12, None)
    assert raised.value.code == "limit"
    with pytest.raises(LiveError):
        agenda.raise_hand("a", "A", 13)  # has the floor already
    assert agenda.expired(69) == [] and agenda.expired(70) == ["b"]
    agenda.set_limit("a", 30, 20)
    assert agenda.granted["a"].ends_at == 50
    assert agenda.revoke("b") and not agenda.revoke("b")
    with pytest.raises(LiveError):
        agenda.set_limit("b", 10, 0)
    agenda.forget("c")
    assert agenda.hands == []
    agenda.set_moderated(False)
    assert agenda.hands == []


def test_after_the_current_item_is_deleted_next_goes_to_the_first() -> None:
    agenda = live()
    agenda.start(0)
    agenda.goto("keynote", 1)
    meeting = agenda.meeting
    agenda.replace_meeting(meeting.model_copy(
        update={"items": [i for i in meeting.items if i.id != "keynote"]}))
    assert agenda.current is None
    assert agenda.step(+1, 2).id == "opening"


def test_moderation_edited_through_the_api_applies_live() -> None:
    agenda = live()
    agenda.replace_meeting(agenda.meeting.model_copy(update={"moderated": True}))
    assert agenda.moderated
