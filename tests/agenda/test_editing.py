"""Pure edits and schedule rules, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agenda import editing
from agenda.demo import demo_meeting
from agenda.model import Meeting
from agenda.validation import Invalid, join_path, schedule_problems


def with_items(meeting: Meeting, **changes: dict[str, object]) -> Meeting:
    items = [i.model_copy(update=changes.get(i.id, {})) for i in meeting.items]
    return meeting.model_copy(update={"items": items})


def test_paths() -> None:
    assert join_path("", ("items", 3, "start")) == "items[3].start"
    assert join_path("items[9]", ("speakers", 0, "venue")) == "items[9].speakers[0].venue"
    assert join_path("", ()) == ""


def test_the_demo_has_a_clean_schedule() -> None:
    assert schedule_problems(demo_meeting()) == []


def test_an_item_spanning_two_others_overlaps_both() -> None:
    meeting = demo_meeting()
    long = with_items(meeting, opening={"duration": 30 * 60})
    found = [(p.error, p.item) for p in schedule_problems(long)]
    assert found == [("overlap", "networks"), ("overlap", "keynote")]
    focused = schedule_problems(long, focus=frozenset({"opening"}))
    assert {p.item for p in focused} == {"opening"}
    assert "overlaps item 'networks' (14:10–14:20)" in focused[0].message


def test_patch_item_moves_only_later_items() -> None:
    meeting = demo_meeting().model_copy(
        update={"end": demo_meeting().end + timedelta(hours=1)}
    )
    changed = editing.patch_item(meeting, "charter", {"duration": 30 * 60})
    moved = {i.id: (i.start - o.start) for i, o in zip(changed.items, meeting.items,
                                                      strict=True)}
    assert moved["nanchong"] == timedelta(0)
    assert moved["charter"] == timedelta(0)
    assert moved["uzbek-video"] == moved["closing"] == timedelta(minutes=10)


def test_patch_item_moving_earlier_pulls_the_rest_along() -> None:
    meeting = demo_meeting()
    start = meeting.items[0].start
    changed = editing.patch_item(meeting, "opening", {"duration": 5 * 60})
    assert changed.items[0].start == start
    assert changed.items[1].start == start + timedelta(minutes=5)
    assert changed.items[-1].end == meeting.end - timedelta(minutes=5)


def test_reorder_keeps_durations_and_closes_gaps() -> None:
    meeting = editing.delete_item(demo_meeting(), "networks")
    order = [i.id for i in reversed(meeting.items)]
    changed = editing.reorder(meeting, order)
    assert [i.id for i in changed.items] == order
    assert changed.items[0].start == meeting.start
    for before, after in zip(changed.items, changed.items[1:], strict=False):
        assert after.start == before.end
    assert changed.items[-1].end == meeting.end - timedelta(minutes=10)


def test_new_meeting_sorts_its_agenda() -> None:
    body = demo_meeting().model_dump(mode="json")
    body["items"].reverse()
    meeting = editing.new_meeting(body)
    assert [i.id for i in meeting.items] == [i.id for i in demo_meeting().items]


def test_new_meeting_reports_every_problem() -> None:
    body = demo_meeting().model_dump(mode="json")
    body["items"][1]["duration"] = 0
    body["items"][2]["floor_language"] = "xx"
    with pytest.raises(Invalid) as caught:
        editing.new_meeting(body)
    assert [(p.error, p.field, p.item) for p in caught.value.problems] == [
        ("bad_duration", "items[1].duration", "networks"),
        ("unknown_language", "items[2].floor_language", "keynote"),
    ]
