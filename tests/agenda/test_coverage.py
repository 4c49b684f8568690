"""Coverage: which listeners can follow which speaker, in the demo meeting."""

from __future__ import annotations

from agenda.coverage import Reach, coverage, route
from agenda.demo import demo_meeting
from agenda.model import Booth, ItemKind
from server.auth.roles import Role
from tests.agenda.conftest import Api


def reach(source: str, target: str) -> tuple[Reach, list[str], str | None]:
    found = route(demo_meeting().booths, source, target)
    return found.reach, found.booths, found.via


def test_portuguese_reaches_chinese_through_one_relay() -> None:
    assert reach("pt", "zh") == (Reach.RELAY, ["en", "zh"], "en")
    assert reach("pt", "en") == (Reach.DIRECT, ["en"], None)
    assert reach("pt", "fr") == (Reach.DIRECT, ["en"], None)  # the en booth's retour


def test_floor_and_direct_routes() -> None:
    assert reach("fr", "fr") == (Reach.FLOOR, [], None)
    assert reach("zh", "en") == (Reach.DIRECT, ["zh"], None)
    assert reach("it", "fr") == (Reach.DIRECT, ["fr"], None)


def test_a_booth_on_its_a_language_is_preferred_to_a_retour() -> None:
    booths = [Booth(id="x", a="de", b="fr", understands=["en"]),
              Booth(id="y", a="fr", understands=["en"])]
    assert route(booths, "en", "fr").booths == ["y"]


def test_a_booth_does_not_relay_from_itself() -> None:
    booths = [Booth(id="solo", a="en", b="zh", understands=["pt", "en"])]
    assert route(booths, "pt", "zh").reach is Reach.DIRECT
    assert route(booths, "ja", "zh").reach is Reach.NONE
    lonely = [Booth(id="solo", a="en", b="fr", understands=["pt", "en"])]
    assert route(lonely, "pt", "zh").reach is Reach.NONE


def test_the_yokohama_speaker_is_not_covered() -> None:
    report = coverage(demo_meeting())
    cities = next(i for i in report.items if i.item == "cities")
    assert cities.floor_language == "pt"
    japanese = next(s for s in cities.sources if s.language == "ja")
    assert japanese.speakers == ["Okamoto"]
    assert not japanese.floor
    assert {r.target: r.reach for r in japanese.routes} == {
        "fr": Reach.NONE, "zh": Reach.NONE, "en": Reach.NONE,
    }
    by_floor = {r.target: r.reach for r in cities.floor}
    assert by_floor == {"fr": Reach.DIRECT, "zh": Reach.RELAY, "en": Reach.DIRECT}
    assert [s.language for s in cities.sources] == ["pt", "it", "ja", "es", "en"]


def test_warnings_for_the_editor() -> None:
    report = coverage(demo_meeting())
    problems = [w for w in report.warnings if w.severity == "warning"]
    assert len(problems) == 1
    [japanese] = problems
    assert japanese.item == "cities"
    assert japanese.field == "items[3].speakers[2].language"
    assert japanese.source_language == "ja"
    assert sorted(japanese.targets) == ["en", "fr", "zh"]
    assert "Okamoto" in japanese.message
    relays = {(w.item, w.source_language, tuple(w.targets))
              for w in report.warnings if w.severity == "info"}
    assert ("cities", "pt", ("zh",)) in relays
    assert ("keynote", "zh", ("fr",)) in relays


def test_breaks_are_skipped_and_silent_items_flagged() -> None:
    meeting = demo_meeting()
    items = [meeting.items[0].model_copy(update={"kind": ItemKind.BREAK, "floor_language": None,
                                                  "speakers": []}),
             meeting.items[1].model_copy(update={"floor_language": None, "speakers": []})]
    report = coverage(meeting.model_copy(update={"items": items}))
    assert [i.item for i in report.items] == ["networks"]
    assert [(w.item, w.field) for w in report.warnings] == [
        ("networks", "items[1].floor_language")]


async def test_coverage_over_rest(api: Api) -> None:
    answer = await api.client.get("/api/meetings/demo/coverage",
                                  headers=api.auth(Role.INTERPRETER, booth="zh"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["languages"] == ["fr", "zh", "en"]
    cities = next(i for i in body["items"] if i["item"] == "cities")
    ja = next(s for s in cities["sources"] if s["language"] == "ja")
    assert [r["reach"] for r in ja["routes"]] == ["none", "none", "none"]
    pt = next(s for s in cities["sources"] if s["language"] == "pt")
    assert next(r for r in pt["routes"] if r["target"] == "zh") == {
        "target": "zh", "reach": "relay", "booths": ["en", "zh"], "via": "en"}
    assert (await api.client.get("/api/meetings/demo/coverage")).status_code == 401
