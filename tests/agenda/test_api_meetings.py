"""REST: meetings, auth, bodies, versions."""

from __future__ import annotations

import asyncio
from typing import Any

from agenda.demo import demo_meeting
from server.auth.roles import Role
from tests.agenda.conftest import Api, assert_problem


def new_meeting(ident: str = "como-2021") -> dict[str, Any]:
    return {
        "id": ident,
        "title": {"en": "Silk Cities, Como", "it": "Città della seta, Como"},
        "timezone": "Europe/Rome",
        "start": "2021-06-10T07:00:00Z",
        "end": "2021-06-10T10:00:00Z",
        "languages": ["it", "en"],
        "booths": [{"id": "en", "a": "en", "b": "it", "understands": ["en", "it"]}],
        "venues": [{"id": "como", "name": "Villa", "city": "Como",
                    "timezone": "Europe/Rome", "pa_language": "it"}],
        "items": [
            {"id": "welcome", "title": {"it": "Benvenuto"}, "start": "2021-06-10T07:00:00Z",
             "duration": 600, "floor_language": "it",
             "speakers": [{"name": "Sindaco", "venue": "como", "language": "it"}]},
        ],
    }


async def test_list_shows_the_meetings_a_token_covers(api: Api) -> None:
    site = api.auth(meeting="*")
    created = await api.client.post("/api/meetings", json=new_meeting(), headers=site)
    assert created.status_code == 201
    everything = await api.client.get("/api/meetings", headers=site)
    assert [m["id"] for m in everything.json()["meetings"]] == ["demo", "como-2021"]
    delegate = await api.client.get("/api/meetings", headers=api.auth(Role.DELEGATE))
    assert delegate.status_code == 200
    [summary] = delegate.json()["meetings"]
    assert summary == {
        "id": "demo", "title": demo_meeting().title, "timezone": "Europe/Paris",
        "start": "2020-11-20T13:00:00Z", "end": "2020-11-20T15:30:00Z",
        "languages": ["fr", "zh", "en"], "items": 9, "version": 1,
    }


async def test_create_needs_a_site_organiser(api: Api) -> None:
    body = new_meeting()
    assert_problem(await api.client.post("/api/meetings", json=body), 401, "missing_token", None)
    answer = await api.client.post("/api/meetings", json=body, headers=api.auth())
    assert_problem(answer, 403, "forbidden", None)
    answer = await api.client.post("/api/meetings", json=body,
                                   headers=api.auth(Role.DELEGATE, meeting="*"))
    assert_problem(answer, 403, "forbidden", None)
    created = await api.client.post("/api/meetings", json=body, headers=api.auth(meeting="*"))
    assert created.status_code == 201
    assert created.headers["location"] == "/api/meetings/como-2021"
    assert created.headers["etag"] == '"1"'
    assert created.json()["version"] == 1
    again = await api.client.post("/api/meetings", json=body, headers=api.auth(meeting="*"))
    assert_problem(again, 409, "already_exists", None)


async def test_create_validates_every_rule(api: Api) -> None:
    site = api.auth(meeting="*")

    async def refused(change: dict[str, Any], error: str, field: str) -> None:
        body = {**new_meeting(), **change}
        assert_problem(await api.client.post("/api/meetings", json=body, headers=site),
                       422, error, field)

    item = new_meeting()["items"][0]
    await refused({"timezone": "Europe/Lyon"}, "unknown_timezone", "timezone")
    await refused({"languages": ["it", "xx"]}, "unknown_language", "languages[1]")
    await refused({"end": "2021-06-10T06:00:00Z"}, "bad_period", "end")
    await refused({"items": [{**item, "duration": 0}]}, "bad_duration", "items[0].duration")
    await refused({"items": [{**item, "start": "2021-06-10T06:00:00Z"}]},
                  "outside_meeting", "items[0].start")
    await refused({"items": [item, {**item, "start": "2021-06-10T08:00:00Z"}]},
                  "duplicate_id", "items[1].id")
    await refused({"items": [item, {**item, "id": "two", "start": "2021-06-10T07:05:00Z"}]},
                  "overlap", "items[1].start")
    speaker = {"name": "X", "venue": "lyon", "language": "it"}
    await refused({"items": [{**item, "speakers": [speaker]}]},
                  "unknown_venue", "items[0].speakers[0].venue")
    await refused({"booths": [{"id": "en", "a": "en", "b": "fr", "understands": ["en"]}]},
                  "language_not_in_meeting", "booths[0].b")
    await refused({"id": "Bad Id"}, "bad_id", "id")
    await refused({"surprise": 1}, "unknown_field", "surprise")


async def test_messages_name_the_value_refused(api: Api) -> None:
    # The messages were templates ("unknown time zone {name!r}"), never filled in.
    site = api.auth(meeting="*")
    body = {**new_meeting(), "timezone": "Europe/Lyon", "languages": ["it", "xx"],
            "booths": [{"id": "en", "a": "en", "b": "fr", "understands": ["en"]}]}
    answer = await api.client.post("/api/meetings", json=body, headers=site)
    messages = {p["field"]: p["message"] for p in answer.json()["errors"]}
    assert messages["timezone"] == "unknown time zone 'Europe/Lyon'"
    assert messages["languages[1]"] == "unknown language 'xx'"
    body = {**new_meeting(), "booths": [{"id": "en", "a": "en", "b": "fr", "understands": ["en"]}]}
    answer = await api.client.post("/api/meetings", json=body, headers=site)
    assert_problem(answer, 422, "language_not_in_meeting", "booths[0].b")
    assert answer.json()["message"] == "booth 'en' outputs 'fr', not a language of the meeting"
    body = {**new_meeting(), "venues": [*new_meeting()["venues"]] * 2}
    answer = await api.client.post("/api/meetings", json=body, headers=site)
    assert_problem(answer, 422, "duplicate_id", "venues[1].id")
    assert answer.json()["message"] == "venues: id 'como' is used twice"


async def test_get_needs_a_token_of_that_meeting(api: Api) -> None:
    answer = await api.client.get("/api/meetings/demo")
    assert_problem(answer, 401, "missing_token", None)
    assert answer.headers["www-authenticate"].startswith("Bearer")
    answer = await api.client.get("/api/meetings/demo", headers={"Authorization": "Bearer x.y.z"})
    assert_problem(answer, 401, "bad_token", None)
    expired = api.services.authority.mint("demo", Role.DELEGATE, ttl=1, now=1_000_000)
    answer = await api.client.get("/api/meetings/demo",
                                  headers={"Authorization": f"Bearer {expired}"})
    assert_problem(answer, 401, "token_expired", None)
    answer = await api.client.get("/api/meetings/demo", headers=api.auth(meeting="other"))
    assert_problem(answer, 403, "wrong_meeting", None)
    answer = await api.client.get("/api/meetings/demo",
                                  headers=api.auth(Role.INTERPRETER, booth="zh"))
    assert answer.status_code == 200
    assert answer.headers["etag"] == '"1"'
    assert len(answer.json()["items"]) == 9
    answer = await api.client.get("/api/meetings/nope", headers=api.auth(meeting="*"))
    assert_problem(answer, 404, "not_found", None)


async def test_changes_need_an_organiser(api: Api) -> None:
    for role, extra in ((Role.DELEGATE, {}), (Role.INTERPRETER, {"booth": "zh"}),
                        (Role.VENUE, {"venue": "lyon"})):
        answer = await api.client.patch(
            "/api/meetings/demo", json={"chair": "Me", "version": 1},
            headers=api.auth(role, **extra),
        )
        assert_problem(answer, 403, "forbidden", None)
    assert (await api.meeting())["chair"] == "Xavier Lépingle"


async def test_patch_meeting_with_if_match_or_body_version(api: Api) -> None:
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "A"},
                                    headers=api.organiser(version=1))
    assert answer.status_code == 200, answer.text
    assert answer.json()["chair"] == "A"
    assert answer.headers["etag"] == '"2"'
    answer = await api.client.patch("/api/meetings/demo",
                                    json={"languages": ["fr", "zh", "en", "it"], "version": 2},
                                    headers=api.organiser())
    assert answer.status_code == 200
    assert answer.json()["languages"] == ["fr", "zh", "en", "it"]
    # Languages still output by a booth cannot go.
    answer = await api.client.patch("/api/meetings/demo", json={"languages": ["fr", "zh"]},
                                    headers=api.organiser(version=3))
    assert_problem(answer, 422, "language_not_in_meeting", "booths[0].b")
    answer = await api.client.patch("/api/meetings/demo", json={"id": "renamed"},
                                    headers=api.organiser(version=3))
    assert_problem(answer, 422, "unknown_field", "id")


async def test_a_stale_write_gets_409_with_the_current_meeting(api: Api) -> None:
    first = await api.client.patch("/api/meetings/demo", json={"chair": "A", "version": 1},
                                   headers=api.organiser())
    assert first.status_code == 200
    second = await api.client.patch("/api/meetings/demo", json={"chair": "B", "version": 1},
                                    headers=api.organiser())
    assert_problem(second, 409, "stale_write", None)
    body = second.json()
    assert body["current_version"] == 2
    assert body["current"]["chair"] == "A"
    assert (await api.meeting())["chair"] == "A"


async def test_concurrent_writers_on_one_version_one_wins(api: Api) -> None:
    answers = await asyncio.gather(*(
        api.client.patch("/api/meetings/demo", json={"chair": f"c{n}"},
                         headers=api.organiser(version=1))
        for n in range(5)
    ))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    winner = next(a for a in answers if a.status_code == 200).json()["chair"]
    assert (await api.meeting())["chair"] == winner


async def test_writes_need_a_version(api: Api) -> None:
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "A"},
                                    headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "A", "version": 2},
                                    headers=api.organiser(version=1))
    assert_problem(answer, 400, "version_conflict", "version")
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "A"},
                                    headers={**api.auth(), "If-Match": "soon"})
    assert_problem(answer, 400, "bad_version", "If-Match")


async def test_versions_that_are_not_plain_numbers(api: Api) -> None:
    # Found while fuzzing: "²" passed str.isdigit() and int() refused it, as it
    # refuses 5000 digits; both were 500s.
    auth = {name.encode(): value.encode() for name, value in api.auth().items()}
    for header in (b'"\xb2"', b'"\xd9\xa1"', b'"' + b"9" * 5000 + b'"', b'"1", "2"',
                   b"", b"-1", b'W/"7', b"*"):
        answer = await api.client.patch("/api/meetings/demo", json={"chair": "A"},
                                        headers={**auth, b"If-Match": header})
        assert_problem(answer, 400, "bad_version", "If-Match")
    for version in (b"0", b"-3", b"1.5", b'"1"', b"true", b"1e400"):
        answer = await api.client.patch(
            "/api/meetings/demo", headers=api.auth(),
            content=b'{"chair": "A", "version": ' + version + b"}")
        assert_problem(answer, 422, "invalid", "version")
    # 1.0 is an integer to JSON Schema and to the body models: so here too.
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "A", "version": 1.0},
                                    headers=api.auth())
    assert answer.status_code == 200, answer.text
    answer = await api.client.patch("/api/meetings/demo", json={"chair": "B"},
                                    headers={**api.auth(), "If-Match": 'W/"2"'})
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"3"'


async def test_bodies_malformed_or_too_large(api: Api) -> None:
    headers = {**api.organiser(version=1), "Content-Type": "application/json"}
    for body in (b"{chair:", b"\xff", b'{"chair": ' + b"[" * 50_000,
                 b'{"chair": ' + b"9" * 5000 + b"}"):
        answer = await api.client.patch("/api/meetings/demo", content=body, headers=headers)
        assert_problem(answer, 400, "bad_json", None)
    answer = await api.client.patch("/api/meetings/demo", content=b"[1]", headers=headers)
    assert_problem(answer, 400, "bad_body", None)
    big = b'{"chair": "' + b"x" * (300 * 1024) + b'"}'
    answer = await api.client.patch("/api/meetings/demo", content=big, headers=headers)
    assert_problem(answer, 413, "too_large", None)
    answer = await api.client.patch("/api/meetings/demo", content=b"{}",
                                    headers={**headers, "Content-Length": "9" * 5000})
    assert_problem(answer, 413, "too_large", None)

    async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
        for _ in range(300):
            yield b" " * 1024

    answer = await api.client.patch("/api/meetings/demo", content=chunks(), headers=headers)
    assert_problem(answer, 413, "too_large", None)


async def test_delete_meeting(api: Api) -> None:
    answer = await api.client.delete("/api/meetings/demo", headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
    answer = await api.client.delete("/api/meetings/demo", headers=api.organiser(version=7))
    assert_problem(answer, 409, "stale_write", None)
    answer = await api.client.delete("/api/meetings/demo",
                                     headers=api.auth(Role.DELEGATE) | {"If-Match": '"1"'})
    assert_problem(answer, 403, "forbidden", None)
    answer = await api.client.delete("/api/meetings/demo", headers=api.organiser(version=1))
    assert answer.status_code == 204
    answer = await api.client.get("/api/meetings/demo", headers=api.auth())
    assert_problem(answer, 404, "not_found", None)


async def test_unknown_api_routes_and_methods(api: Api) -> None:
    assert_problem(await api.client.get("/api/nothing"), 404, "not_found", None)
    answer = await api.client.put("/api/meetings/demo", headers=api.auth())
    assert_problem(answer, 405, "method_not_allowed", None)
    assert answer.headers["allow"] == "DELETE, GET, HEAD, PATCH"
