"""Exports: iCalendar and JSON of the demo meeting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar

from agenda.demo import demo_meeting
from agenda.ical import to_ical
from server.auth.roles import Role
from tests.agenda.conftest import Api

PARIS, SHANGHAI = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Shanghai")


def events(data: bytes) -> list[icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def when(event: icalendar.Component, name: str) -> datetime:
    value = event.decoded(name)
    assert isinstance(value, datetime)
    return value


async def test_the_demo_agenda_as_icalendar(api: Api) -> None:
    answer = await api.client.get("/api/meetings/demo/agenda.ics",
                                  headers=api.auth(Role.DELEGATE))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert str(calendar["VERSION"]) == "2.0"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    found = events(answer.content)
    assert len(found) == 9
    keynote = next(e for e in found if str(e["UID"]) == "demo.keynote@silkhall")
    assert keynote["DTSTART"].params["TZID"] == "Europe/Paris"
    start = when(keynote, "DTSTART")
    assert start == datetime(2020, 11, 20, 14, 20, tzinfo=PARIS)
    assert start.astimezone(UTC) == datetime(2020, 11, 20, 13, 20, tzinfo=UTC)
    assert start.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(2020, 11, 20, 21, 20)
    assert when(keynote, "DTEND").astimezone(UTC) == datetime(2020, 11, 20, 13, 35, tzinfo=UTC)
    assert str(keynote["SUMMARY"]) == "Discours d'ouverture de l'ISU"
    assert keynote["SUMMARY"].params["LANGUAGE"] == "fr"
    description = str(keynote["DESCRIPTION"])
    assert "en: Keynote of the ISU chairman" in description
    assert "zh: 国际丝绸联盟主席主旨演讲" in description
    assert "Floor language: 中文 (zh)" in description
    assert "Zhang Guoqiang, International Silk Union, Hangzhou secretariat (ISU) (Hangzhou)" \
        in description
    assert "DTSTAMP" in keynote


def test_uids_are_stable_and_sequence_follows_the_item_version() -> None:
    meeting = demo_meeting()
    first = events(to_ical(meeting, now=datetime(2020, 1, 1, tzinfo=UTC)))
    items = [i.model_copy(update={"version": 3}) if i.id == "cities" else i
             for i in meeting.items]
    second = events(to_ical(meeting.model_copy(update={"items": items})))
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in second]
    assert len({str(e["UID"]) for e in first}) == 9
    cities = next(e for e in second if str(e["UID"]) == "demo.cities@silkhall")
    assert cities.decoded("SEQUENCE") == 2
    assert "Okamoto, City of Yokohama, 日本語 (ja)" in str(cities["DESCRIPTION"])


async def test_exports_accept_a_token_in_the_query(api: Api) -> None:
    token = api.token(Role.DELEGATE)
    answer = await api.client.get(f"/api/meetings/demo/agenda.ics?token={token}")
    assert answer.status_code == 200
    answer = await api.client.get("/api/meetings/demo/agenda.json", params={"token": token})
    assert answer.status_code == 200
    assert (await api.client.get("/api/meetings/demo/agenda.ics")).status_code == 401
    other = api.token(Role.DELEGATE, meeting="other")
    answer = await api.client.get("/api/meetings/demo/agenda.ics", params={"token": other})
    assert answer.status_code == 403
    # Reading the meeting itself still wants the header.
    answer = await api.client.get("/api/meetings/demo", params={"token": token})
    assert answer.status_code == 401


async def test_the_demo_agenda_as_json(api: Api) -> None:
    answer = await api.client.get("/api/meetings/demo/agenda.json",
                                  headers=api.auth(Role.VENUE, venue="hangzhou"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == "demo" and body["timezone"] == "Europe/Paris"
    assert body["local"]["start"] == "2020-11-20T14:00:00+01:00"
    assert len(body["items"]) == 9
    keynote = next(i for i in body["items"] if i["id"] == "keynote")
    assert keynote["start"] == "2020-11-20T13:20:00Z"
    assert keynote["local"] == {"timezone": "Europe/Paris",
                                "start": "2020-11-20T14:20:00+01:00",
                                "end": "2020-11-20T14:35:00+01:00"}
    assert keynote["venues"]["hangzhou"]["start"] == "2020-11-20T21:20:00+08:00"
    assert keynote["venues"]["parana"]["start"] == "2020-11-20T10:20:00-03:00"
    assert keynote["speakers"][0]["language"] == "zh"


async def test_printable_agenda_is_bilingual_with_local_times(api: Api) -> None:
    token = api.token(Role.DELEGATE)
    response = await api.client.get(f"/api/meetings/demo/agenda.html?token={token}"
                                    "&languages=fr,zh")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Discours d'ouverture de l'ISU" in page and "国际丝绸联盟主席主旨演讲" in page
    # The keynote: 14:20 in Paris, 21:20 in Hangzhou, 10:20 in Curitiba.
    assert "14:20" in page and "21:20 Hangzhou" in page and "10:20 Curitiba" in page
    assert "Zhang Guoqiang" in page
    assert (await api.client.get("/api/meetings/demo/agenda.html")).status_code == 401
