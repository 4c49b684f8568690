"""The chair runs the Silk Cities meeting from the organiser page in Chromium.

The chair starts the agenda and moves to the next item: a delegate's page
shows it within a second, and the zh booth's console (a Python client) is
told the new floor language. In moderated mode a delegate asks for the
floor, the chair gives it and takes it back, and a listener on the floor
hears the delegate's 660 Hz only in between. The agenda editor adds an item,
lengthens one (the rest moves), reorders by keyboard, shows the Japanese
speaker nobody interprets, and says so when someone else changed an item.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.support.live import LiveServer
from tests.support.meeting_pages import SILENT, no_page_errors, open_delegate, open_organiser
from tests.support.pages import BrowserParticipant
from tests.support.tones import dominant_frequency, tone_power
from tests.support.whip import WhepListener
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.browser

VOICE = 660.0




async def test_chair_advances_delegates_and_booths_follow(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    booth = SignallingClient(server.ws_url, server.token("interpreter", booth="zh", name="Li Wei"),
                             tap=True)
    organiser = await open_organiser(playwright, tmp_path, server)
    delegate = await open_delegate(playwright, tmp_path, server, "Renata Amano")
    chair, seen = organiser.page, delegate.page
    try:
        await booth.join()
        await booth.wait_for("booth_state", lambda m: m["floor_language"] == "fr")

        await expect(chair.locator("#now-title")).to_have_text("The meeting has not started.")
        await chair.get_by_role("button", name="Start", exact=True).click()
        await expect(seen.locator("#side-agenda li.current")).to_have_attribute(
            "data-item", "opening")
        await expect(seen.locator("#side-agenda li.current .progress")).to_contain_text("left")

        # Next: the delegate's page shows the new current item within a second.
        await delegate.evaluate("""() => {
          window.shownAt = null;
          const list = document.querySelector("#side-agenda");
          new MutationObserver(() => {
            if (!window.shownAt && list.querySelector('li.current[data-item="networks"]')) {
              window.shownAt = Date.now();
            }
          }).observe(list, {childList: true, subtree: true, attributes: true});
        }""")
        clicked = time.time() * 1000
        await chair.get_by_role("button", name="Next", exact=True).click()
        shown = await delegate.wait_until("window.shownAt", timeout=5)
        latency = shown - clicked
        assert latency < 1000, f"the delegate saw the next item after {latency:.0f} ms"
        await expect(chair.locator("#now-title")).to_have_text(
            "The importance of international city networks")
        await expect(chair.locator("#live-items li[aria-current=true]")).to_have_attribute(
            "data-item", "networks")
        await expect(chair.locator("#now-remaining")).to_contain_text(re.compile(r"\d:\d\d left"))

        # Jump to the keynote: the floor is Chinese; the zh booth hears it directly.
        await chair.get_by_role("button", name="Go to: Keynote of the ISU chairman").click()
        state = await booth.wait_for("booth_state", lambda m: m["floor_language"] == "zh")
        assert (state["incoming"]["language"], state["incoming"]["steps"]) == ("zh", 0)
        await expect(chair.locator("#floor-language")).to_have_value("zh")
        await delegate.wait_until("window.silkhall.agendaState.floor_language === 'zh'")

        # The city presentations open in Portuguese, which the zh booth does
        # not understand: it needs a relay, and nobody is live to give one.
        await chair.get_by_role("button", name="Go to: City presentations").click()
        state = await booth.wait_for("booth_state", lambda m: m["floor_language"] == "pt")
        assert state["incoming"]["language"] == "pt"
        assert state["incoming"]["available"] is False

        # An item that runs long shows its overtime in red.
        await organiser.wait_until("window.silkhall.agendaState.current === 'cities'")
        await organiser.evaluate("""() => {
          const page = window.silkhall;
          const item = page.agenda.items.find((i) => i.id === page.agendaState.current);
          page.agendaState = {...page.agendaState,
                              item_started_at: page.serverClock.now() - item.duration - 133};
          page.live.tick();
        }""")
        overtime = chair.locator("#now-remaining")
        await expect(overtime).to_have_text(re.compile(r"^\+2:1\d over time$"))
        await expect(overtime).to_have_class(re.compile("overtime"))
        no_page_errors(organiser, delegate)
    finally:
        await booth.close()
        await organiser.close()
        await delegate.close()


async def test_request_to_speak_grant_and_revoke(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    organiser = await open_organiser(playwright, tmp_path, server)
    chair = organiser.page
    delegate: BrowserParticipant | None = None
    try:
        await chair.get_by_label("Moderated: delegates ask to speak").check()
        await organiser.wait_until("window.silkhall.moderation.moderated")
        assert (await floor.start()).status_code == 201

        delegate = await open_delegate(playwright, tmp_path, server, "Renata Amano", VOICE)
        page = delegate.page
        await delegate.wait_until("window.silkhall.mediaState === 'connected'", timeout=20)
        # Moderated: the delegate's microphone is closed until the chair opens it.
        await delegate.wait_until("window.silkhall.micOn === false")
        await expect(page.locator("#mic")).to_have_attribute("aria-pressed", "false")
        await asyncio.sleep(1.5)
        assert floor.collector is not None
        assert tone_power(floor.collector.last(1.0), VOICE) < SILENT, "not on the floor yet"

        hand = page.get_by_role("button", name="Raise hand")
        await hand.click()
        await expect(page.locator("#speak-status")).to_have_text(
            "You are number 1 of 1 in the queue.")
        await expect(page.get_by_role("button", name="Lower hand")).to_have_attribute(
            "aria-pressed", "true")

        queued = chair.locator("#hands li", has_text="Renata Amano")
        await expect(queued).to_have_count(1)
        me = await delegate.evaluate("window.silkhall.you.id")
        hand_raised = f"window.silkhall.participants.get({me!r})?.hand_raised"
        await organiser.wait_until(f"{hand_raised} === true")
        await queued.get_by_label("Minutes").fill("2")
        await chair.get_by_role("button", name="Give the floor to Renata Amano").click()

        # Given the floor: the microphone opens by itself and the floor carries it.
        await delegate.wait_until("window.silkhall.granted && window.silkhall.micOn")
        await expect(page.locator("#speak-status")).to_have_text(
            "You have the floor: your microphone is on.")
        await expect(page.locator("#speak-time")).to_have_text(re.compile(r"^1:5\d left$"))
        await expect(chair.locator("#granted li .countdown")).to_have_text(
            re.compile(r"^1:5\d left$"))
        await expect(chair.locator("#hands li")).to_have_count(0)
        await organiser.wait_until(f"{hand_raised} === false")
        deadline = time.monotonic() + 10
        while dominant_frequency(floor.collector.last(1.0)) != pytest.approx(VOICE, abs=5):
            assert time.monotonic() < deadline, "the delegate never reached the floor"
            await asyncio.sleep(0.1)
        # The chair hears the floor too.
        await chair.get_by_label("Hear the floor").check()
        await organiser.wait_until(
            f"Math.abs(window.silkhall.mixer.dominantFrequency() - {VOICE}) < 5", timeout=10)

        await chair.get_by_role("button", name="Take the floor back from Renata Amano").click()
        await delegate.wait_until("!window.silkhall.granted && window.silkhall.micOn === false")
        await expect(chair.locator("#granted li")).to_have_count(0)
        await expect(page.get_by_role("button", name="Raise hand")).to_be_visible()
        deadline = time.monotonic() + 5
        while tone_power(floor.collector.last(0.6), VOICE) >= SILENT:
            assert time.monotonic() < deadline, "the delegate stayed on the floor"
            await asyncio.sleep(0.1)
        no_page_errors(organiser, delegate)
    finally:
        await floor.stop()
        await organiser.close()
        if delegate is not None:
            await delegate.close()


async def test_agenda_editor(server: LiveServer, playwright: Any, tmp_path: Path) -> None:
    organiser = await open_organiser(playwright, tmp_path, server)
    page = organiser.page
    try:
        # The Japanese speaker of the city presentations has no booth.
        warning = page.locator("#item-cities .coverage-warning")
        await expect(warning).to_have_attribute("data-language", "ja")
        await expect(warning).to_contain_text("Okamoto")
        await expect(warning).to_contain_text("(ja)")
        # Times in the meeting's zone, each venue's beside it, the viewer's on hover.
        keynote = page.locator("#item-keynote .row-time")
        await expect(keynote.locator(".place")).to_have_text(
            ["14:20 Paris", "21:20 Hangzhou", "10:20 Curitiba"])
        await expect(keynote).to_have_attribute("title", re.compile("in your time zone"))

        # Room for one more item: the meeting ends at 17:00 instead of 16:30.
        await page.get_by_role("tab", name="Meeting").click()
        settings = page.locator("#meeting-form")
        await settings.get_by_label("Ends (Paris time)").fill("2020-11-20T17:00")
        await settings.get_by_role("button", name="Save").click()
        await organiser.wait_until("window.silkhall.doc.end === '2020-11-20T16:00:00Z'")

        # Add an item; a bad id is shown next to its field.
        await page.get_by_role("tab", name="Agenda").click()
        await page.get_by_role("button", name="Add item").click()
        form = page.locator("form.item-form")
        await form.get_by_label("English").fill("Questions from the floor")
        id_field = form.get_by_label("Id", exact=True)
        await expect(id_field).to_have_value("questions-from-the-floor")
        await id_field.fill("Q&A")
        await form.get_by_role("button", name="Save").click()
        await expect(id_field).to_have_attribute("aria-invalid", "true")
        await expect(form.locator(".field-error").first).not_to_be_empty()
        await expect(id_field).to_be_focused()
        await id_field.fill("questions")
        await form.get_by_role("button", name="Save").click()
        await expect(form).to_have_count(0)
        await expect(page.locator("#item-questions .place.main")).to_have_text("16:30 Paris")

        # The opening runs 15 minutes: everything after it moves by 5.
        await page.get_by_role("button", name="Edit: Opening and welcome").click()
        await form.get_by_label("Duration (minutes)").fill("15")
        await form.get_by_role("button", name="Save").click()
        await expect(page.locator("#item-networks .place.main")).to_have_text("14:15 Paris")
        await expect(page.locator("#item-questions .place.main")).to_have_text("16:35 Paris")

        # Keyboard reorder: the questions go before the closing; focus stays.
        row = page.locator("#item-questions")
        await row.focus()
        await page.keyboard.press("Alt+ArrowUp")
        await organiser.wait_until(
            "window.silkhall.doc.items.slice(-2).map(i => i.id).join() === 'questions,closing'")
        await expect(row).to_be_focused()
        await expect(page.locator("#item-questions .place.main")).to_have_text("16:15 Paris")
        await expect(page.locator("#item-closing .place.main")).to_have_text("16:25 Paris")
        await expect(page.locator("#announce")).to_contain_text("position 9 of 10")

        # Someone else renames the charter item while the page edits it.
        await page.get_by_role("button", name=re.compile("^Edit: Organisation and charter")).click()
        async with httpx.AsyncClient(base_url=server.base) as http:
            headers = {"Authorization": f"Bearer {server.token('organiser')}"}
            meeting = (await http.get("/api/meetings/demo", headers=headers)).json()
            charter = next(i for i in meeting["items"] if i["id"] == "charter")
            answer = await http.patch(
                "/api/meetings/demo/items/charter",
                json={"title": {**charter["title"], "en": "The network's charter"}},
                headers={**headers, "If-Match": f'"{charter["version"]}"'})
            assert answer.status_code == 200, answer.text
        await form.get_by_label("Duration (minutes)").fill("25")
        await form.get_by_role("button", name="Save").click()
        notice = page.locator("#notice")
        await expect(notice).to_be_visible()
        await expect(notice).to_contain_text("Changed by someone else")
        await notice.get_by_role("button", name="Reload").click()
        await expect(notice).to_be_hidden()
        await expect(page.locator("#item-charter .row-title")).to_have_text("The network's charter")
        assert await organiser.evaluate(
            "window.silkhall.doc.items.find(i => i.id === 'charter').duration") == 20 * 60
        no_page_errors(organiser)
    finally:
        await organiser.close()
