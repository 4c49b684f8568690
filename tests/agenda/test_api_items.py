"""REST: agenda items — add, edit (with shifting), delete, reorder, versions."""

from __future__ import annotations

import asyncio
from typing import Any

from server.auth.roles import Role
from tests.agenda.conftest import Api, assert_problem

ITEMS = "/api/meetings/demo/items"


def starts(meeting: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: i["start"] for i in meeting["items"]}


async def make_room(api: Api) -> None:
    """Move the meeting's end to 17:30 Paris so items can be added."""
    answer = await api.client.patch("/api/meetings/demo", json={"end": "2020-11-20T16:30:00Z"},
                                    headers=api.organiser(version=1))
    assert answer.status_code == 200, answer.text


async def test_add_an_item_at_the_end_and_at_a_given_time(api: Api) -> None:
    await make_room(api)
    answer = await api.client.post(ITEMS, headers=api.organiser(), json={
        "id": "reception", "kind": "break", "title": {"en": "Reception"}, "duration": 1800,
    })
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == "/api/meetings/demo/items/reception"
    meeting = answer.json()
    assert meeting["version"] == 3
    assert meeting["items"][-1]["id"] == "reception"
    assert meeting["items"][-1]["start"] == "2020-11-20T15:30:00Z"  # right after closing
    assert meeting["items"][-1]["version"] == 1
    answer = await api.client.post(ITEMS, headers=api.organiser(version=3), json={
        "id": "photo", "title": {"fr": "Photo"}, "start": "2020-11-20T16:00:00Z",
        "duration": 600,
    })
    assert answer.status_code == 201
    assert [i["id"] for i in answer.json()["items"]][-2:] == ["reception", "photo"]


async def test_add_item_errors_name_the_field(api: Api) -> None:
    item = {"id": "extra", "title": {"en": "Extra"}, "start": "2020-11-20T13:05:00Z",
            "duration": 300}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "overlap", "items[9].start"),
        ({"start": "2020-11-20T16:00:00Z"}, "outside_meeting", "items[9].start"),
        ({"start": "2020-11-20T15:25:00Z", "duration": 600}, "outside_meeting",
         "items[9].duration"),
        ({"duration": -5}, "bad_duration", "items[9].duration"),
        ({"duration": "long"}, "bad_duration", "items[9].duration"),
        ({"floor_language": "klingon"}, "unknown_language", "items[9].floor_language"),
        ({"title": {"xx": "?"}}, "unknown_language", "items[9].title"),
        ({"id": "keynote"}, "duplicate_id", "items[9].id"),
        ({"start": "2020-11-20T13:05:00"}, "bad_time", "items[9].start"),
        ({"speakers": [{"name": "A", "language": "fr", "venue": "paris"}]},
         "unknown_venue", "items[9].speakers[0].venue"),
        ({"kind": "party"}, "invalid", "items[9].kind"),
    ]
    for change, error, field in cases:
        answer = await api.client.post(ITEMS, json={**item, **change}, headers=api.organiser())
        assert_problem(answer, 422, error, field)
    answer = await api.client.post(ITEMS, json=item, headers=api.organiser(version=9))
    assert_problem(answer, 409, "stale_write", None)
    overlap = await api.client.post(ITEMS, json=item, headers=api.organiser())
    assert overlap.json()["item"] == "extra"
    assert "opening" in overlap.json()["message"]


async def test_longer_item_shifts_the_following_ones(api: Api) -> None:
    await make_room(api)
    before = starts(await api.meeting())
    answer = await api.client.patch(f"{ITEMS}/keynote", json={"duration": 1200, "version": 1},
                                    headers=api.organiser())
    assert answer.status_code == 200, answer.text
    meeting = answer.json()
    after = starts(meeting)
    assert after["opening"] == before["opening"]
    assert after["keynote"] == before["keynote"]
    assert after["cities"] == "2020-11-20T13:40:00Z"  # was 13:35
    assert after["closing"] == "2020-11-20T15:15:00Z"  # was 15:10
    versions = {i["id"]: i["version"] for i in meeting["items"]}
    assert versions["opening"] == 1 and versions["keynote"] == 2 and versions["closing"] == 2


async def test_shortening_without_shift_leaves_a_gap(api: Api) -> None:
    answer = await api.client.patch(
        f"{ITEMS}/keynote", headers=api.organiser(version=1),
        json={"duration": 600, "shift_following": False},
    )
    assert answer.status_code == 200
    assert starts(answer.json())["cities"] == "2020-11-20T13:35:00Z"


async def test_longer_item_without_shift_overlaps(api: Api) -> None:
    answer = await api.client.patch(
        f"{ITEMS}/keynote", headers=api.organiser(version=1),
        json={"duration": 1200, "shift_following": False},
    )
    assert_problem(answer, 422, "overlap", "items[2].start")
    assert answer.json()["item"] == "keynote"


async def test_shift_past_the_meeting_end_is_refused(api: Api) -> None:
    answer = await api.client.patch(f"{ITEMS}/keynote", json={"duration": 1200},
                                    headers=api.organiser(version=1))
    assert_problem(answer, 422, "outside_meeting", "items[8].duration")
    assert (await api.item("keynote"))["duration"] == 900


async def test_patch_item_errors_name_the_field(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"duration": 0}, "bad_duration", "items[3].duration"),
        ({"duration": 90000}, "bad_duration", "items[3].duration"),
        ({"floor_language": "xx"}, "unknown_language", "items[3].floor_language"),
        ({"speakers": [{"name": "A", "language": "fr", "venue": "mars"}]},
         "unknown_venue", "items[3].speakers[0].venue"),
        ({"start": "2020-11-20T12:00:00Z"}, "outside_meeting", "items[3].start"),
        ({"id": "renamed"}, "unknown_field", "items[3].id"),
    ]
    for change, error, field in cases:
        answer = await api.client.patch(f"{ITEMS}/cities", json={**change, "version": 1},
                                        headers=api.organiser())
        assert_problem(answer, 422, error, field)
    answer = await api.client.patch(f"{ITEMS}/nothing", json={"version": 1},
                                    headers=api.organiser())
    assert_problem(answer, 404, "not_found", None)
    answer = await api.client.patch(f"{ITEMS}/cities", json={"title": {"en": "x"}},
                                    headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
    answer = await api.client.patch(f"{ITEMS}/cities", json={"title": {"en": "x"}, "version": 1},
                                    headers=api.auth(Role.DELEGATE))
    assert_problem(answer, 403, "forbidden", None)


async def test_patch_takes_null_only_where_an_item_may_be_empty(api: Api) -> None:
    # Fuzzing: the document said every ItemPatch field was nullable, and
    # {"kind": null} was refused as "Input should be 'speech', …".
    for name in ("kind", "title", "start", "duration", "speakers"):
        answer = await api.client.patch(f"{ITEMS}/cities", json={name: None, "version": 1},
                                        headers=api.organiser())
        assert_problem(answer, 422, "bad_duration" if name == "duration" else "invalid",
                       f"items[3].{name}")
        assert answer.json()["message"] == (
            f"{name} cannot be null; leave it out to keep it as it is")
    answer = await api.client.patch(
        f"{ITEMS}/cities", json={"floor_language": None, "media": None, "version": 1},
        headers=api.organiser())
    assert answer.status_code == 200, answer.text
    cities = next(i for i in answer.json()["items"] if i["id"] == "cities")
    assert cities["floor_language"] is None
    answer = await api.client.patch("/api/meetings/demo", json={"moderated": None},
                                    headers=api.organiser(version=2))
    assert_problem(answer, 422, "invalid", "moderated")
    answer = await api.client.patch("/api/meetings/demo", json={"chair": None},
                                    headers=api.organiser(version=2))
    assert answer.status_code == 200, answer.text


async def test_item_versions_guard_each_item(api: Api) -> None:
    # Two editors loaded the agenda at version 1; they edit different items.
    first, second = await asyncio.gather(
        api.client.patch(f"{ITEMS}/keynote", json={"title": {"en": "K"}},
                         headers=api.organiser(version=1)),
        api.client.patch(f"{ITEMS}/nanchong", json={"title": {"en": "N"}},
                         headers=api.organiser(version=1)),
    )
    assert (first.status_code, second.status_code) == (200, 200)
    # A third, with the keynote at version 1 still, is refused with the current item.
    stale = await api.client.patch(f"{ITEMS}/keynote", json={"title": {"en": "lost"}},
                                   headers=api.organiser(version=1))
    assert_problem(stale, 409, "stale_write", None)
    assert stale.json()["current_version"] == 2
    assert stale.json()["current"]["title"] == {"en": "K"}
    meeting = await api.meeting()
    assert meeting["version"] == 3
    assert (await api.item("keynote"))["title"] == {"en": "K"}
    assert (await api.item("nanchong"))["title"] == {"en": "N"}


async def test_delete_item(api: Api) -> None:
    answer = await api.client.delete(f"{ITEMS}/uzbek-video", headers=api.organiser(version=2))
    assert_problem(answer, 409, "stale_write", None)
    answer = await api.client.delete(f"{ITEMS}/uzbek-video", headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
    answer = await api.client.request("DELETE", f"{ITEMS}/uzbek-video", json={"version": 1},
                                      headers=api.organiser())
    assert answer.status_code == 200
    meeting = answer.json()
    assert "uzbek-video" not in starts(meeting)
    assert starts(meeting)["exhibition"] == "2020-11-20T14:58:00Z"  # the gap stays
    answer = await api.client.delete(f"{ITEMS}/uzbek-video", headers=api.organiser(version=1))
    assert_problem(answer, 404, "not_found", None)


async def test_reorder_lays_items_back_to_back(api: Api) -> None:
    await api.client.delete(f"{ITEMS}/uzbek-video", headers=api.organiser(version=1))
    meeting = await api.meeting()
    order = [i["id"] for i in meeting["items"]]
    order.remove("nanchong")
    order.insert(1, "nanchong")
    answer = await api.client.post(f"{ITEMS}:reorder", json={"order": order, "version": 2},
                                   headers=api.organiser())
    assert answer.status_code == 200, answer.text
    meeting = answer.json()
    assert [i["id"] for i in meeting["items"]] == order
    after = starts(meeting)
    assert after["opening"] == "2020-11-20T13:00:00Z"
    assert after["nanchong"] == "2020-11-20T13:10:00Z"
    assert after["networks"] == "2020-11-20T13:20:00Z"
    # The 8-minute gap the deleted video left is closed.
    assert after["closing"] == "2020-11-20T15:02:00Z"
    versions = {i["id"]: i["version"] for i in meeting["items"]}
    assert versions["opening"] == 1 and versions["nanchong"] == 2


async def test_reorder_errors(api: Api) -> None:
    meeting = await api.meeting()
    order = [i["id"] for i in meeting["items"]]
    url = f"{ITEMS}:reorder"
    answer = await api.client.post(url, json={"order": order[:-1], "version": 1},
                                   headers=api.organiser())
    assert_problem(answer, 422, "incomplete_order", "order")
    answer = await api.client.post(url, json={"order": [*order, "ghost"], "version": 1},
                                   headers=api.organiser())
    assert_problem(answer, 422, "unknown_item", "order[9]")
    answer = await api.client.post(url, json={"order": [*order, "opening"], "version": 1},
                                   headers=api.organiser())
    assert_problem(answer, 422, "duplicate_id", "order[9]")
    answer = await api.client.post(url, json={"order": order, "version": 5},
                                   headers=api.organiser())
    assert_problem(answer, 409, "stale_write", None)
    answer = await api.client.post(url, json={"order": order}, headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
