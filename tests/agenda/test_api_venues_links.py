"""REST: venues, booths and join links."""

from __future__ import annotations

from typing import Any

from server.auth.roles import Role
from tests.agenda.conftest import Api, assert_problem

MEETING = "/api/meetings/demo"
SAMARKAND = {"name": "Samarkand hall", "city": "Samarkand", "timezone": "Asia/Samarkand",
             "pa_language": "en"}


async def test_put_venue_creates_then_replaces(api: Api) -> None:
    answer = await api.client.put(f"{MEETING}/venues/samarkand", json=SAMARKAND,
                                  headers=api.organiser(version=1))
    assert answer.status_code == 200, answer.text
    venues = answer.json()["venues"]
    assert venues[-1] == {"id": "samarkand", **SAMARKAND}
    answer = await api.client.put(f"{MEETING}/venues/lyon", headers=api.organiser(), json={
        "id": "lyon", "name": "Hôtel de la Métropole", "city": "Lyon",
        "timezone": "Europe/Paris", "pa_language": "fr", "version": 2,
    })
    assert answer.status_code == 200
    venues = answer.json()["venues"]
    assert venues[0]["name"] == "Hôtel de la Métropole"  # keeps its place
    assert len(venues) == 6


async def test_venue_errors_name_the_field(api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("samarkand", {"timezone": "Asia/Tashkent2"}, "unknown_timezone", "venues[5].timezone"),
        ("samarkand", {"pa_language": "uz"}, "language_not_in_meeting",
         "venues[5].pa_language"),
        ("samarkand", {"pa_language": "qq"}, "unknown_language", "venues[5].pa_language"),
        ("samarkand", {"id": "tashkent"}, "id_mismatch", "venues[5].id"),
        ("como", {"city": ""}, "invalid", "venues[3].city"),
    ]
    for venue_id, change, error, field in cases:
        answer = await api.client.put(f"{MEETING}/venues/{venue_id}",
                                      json={**SAMARKAND, **change},
                                      headers=api.organiser(version=1))
        assert_problem(answer, 422, error, field)
    answer = await api.client.put(f"{MEETING}/venues/samarkand", json=SAMARKAND,
                                  headers=api.organiser())
    assert_problem(answer, 428, "version_required", "version")
    answer = await api.client.put(f"{MEETING}/venues/samarkand", json=SAMARKAND,
                                  headers=api.auth(Role.VENUE, venue="lyon"))
    assert_problem(answer, 403, "forbidden", None)


async def test_delete_venue_in_use_names_the_speaker(api: Api) -> None:
    answer = await api.client.delete(f"{MEETING}/venues/nanchong",
                                     headers=api.organiser(version=1))
    assert_problem(answer, 422, "unknown_venue", "items[4].speakers[0].venue")
    answer = await api.client.put(f"{MEETING}/venues/samarkand", json=SAMARKAND,
                                  headers=api.organiser(version=1))
    answer = await api.client.delete(f"{MEETING}/venues/samarkand",
                                     headers=api.organiser(version=2))
    assert answer.status_code == 200
    assert "samarkand" not in [v["id"] for v in answer.json()["venues"]]
    answer = await api.client.delete(f"{MEETING}/venues/samarkand",
                                     headers=api.organiser(version=3))
    assert_problem(answer, 404, "not_found", None)


async def test_booths(api: Api) -> None:
    # A Japanese booth would cover the Yokohama speaker; first ja must be a language.
    booth = {"a": "ja", "b": "en", "understands": ["ja", "en"]}
    answer = await api.client.put(f"{MEETING}/booths/ja", json=booth,
                                  headers=api.organiser(version=1))
    assert_problem(answer, 422, "language_not_in_meeting", "booths[3].a")
    answer = await api.client.patch(MEETING, json={"languages": ["fr", "zh", "en", "ja"]},
                                    headers=api.organiser(version=1))
    assert answer.status_code == 200
    answer = await api.client.put(f"{MEETING}/booths/ja", json=booth,
                                  headers=api.organiser(version=2))
    assert answer.status_code == 200
    assert answer.json()["booths"][-1] == {"id": "ja", **booth}
    answer = await api.client.put(f"{MEETING}/booths/ja", headers=api.organiser(version=3),
                                  json={**booth, "b": "ja"})
    assert_problem(answer, 422, "same_outputs", "booths[3].b")
    answer = await api.client.put(f"{MEETING}/booths/ja", headers=api.organiser(version=3),
                                  json={**booth, "understands": []})
    assert_problem(answer, 422, "invalid", "booths[3].understands")
    answer = await api.client.delete(f"{MEETING}/booths/ja", headers=api.organiser(version=3))
    assert answer.status_code == 200
    assert [b["id"] for b in answer.json()["booths"]] == ["zh", "en", "fr"]
    answer = await api.client.delete(f"{MEETING}/booths/ja", headers=api.organiser(version=4))
    assert_problem(answer, 404, "not_found", None)


async def test_join_links(api: Api) -> None:
    answer = await api.client.post(f"{MEETING}/links", headers=api.auth(),
                                   json={"role": "interpreter", "booth": "zh", "ttl": 3600})
    assert answer.status_code == 201, answer.text
    link = answer.json()
    assert link["url"] == f"http://127.0.0.1:8123/console/demo#token={link['token']}"
    grant = api.services.authority.verify(link["token"])
    assert (grant.meeting, grant.role, grant.booth) == ("demo", Role.INTERPRETER, "zh")
    assert link["expires"].endswith("Z")
    answer = await api.client.post(f"{MEETING}/links", headers=api.auth(),
                                   json={"role": "delegate", "name": "Guest", "shared": True})
    assert answer.status_code == 201
    grant = api.services.authority.verify(answer.json()["token"])
    assert grant.shared and grant.name == "Guest"


async def test_join_link_errors(api: Api) -> None:
    url = f"{MEETING}/links"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"role": "interpreter"}, "missing", "booth"),
        ({"role": "interpreter", "booth": "ja"}, "unknown_booth", "booth"),
        ({"role": "venue", "venue": "paris"}, "unknown_venue", "venue"),
        ({"role": "delegate", "booth": "zh"}, "unexpected", "booth"),
        ({"role": "king"}, "invalid", "role"),
        ({"role": "delegate", "ttl": 0}, "invalid", "ttl"),
    ]
    for body, error, field in cases:
        assert_problem(await api.client.post(url, json=body, headers=api.auth()),
                       422, error, field)
    answer = await api.client.post(url, json={"role": "organiser"},
                                   headers=api.auth(Role.DELEGATE))
    assert_problem(answer, 403, "forbidden", None)
    answer = await api.client.post(url, json={"role": "organiser"},
                                   headers=api.auth(meeting="other"))
    assert_problem(answer, 403, "wrong_meeting", None)
    answer = await api.client.post("/api/meetings/nope/links", json={"role": "delegate"},
                                   headers=api.auth(meeting="*"))
    assert_problem(answer, 404, "not_found", None)
