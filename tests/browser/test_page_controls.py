"""The pages' own controls, in Chromium with fake microphones.

The chair switches "My microphone" on in the organiser page's live panel: a
floor listener and a delegate hear the chair's 770 Hz, in a moderated
meeting too (organisers are not moderated); switched off, it is gone. A
delegate presses M: the microphone closes (the button, another delegate's
view of the tile, the server and the floor all say so) and M again opens
it; M typed on the volume slider or a list is not a shortcut. The delegate
and organiser pages switch their interface to 中文: the labels become the
strings of client/static/i18n/zh.json, and a reload keeps the choice.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from agenda.demo import demo_meeting
from server.auth.roles import Role
from server.participant import Participant
from tests.support.live import LiveServer
from tests.support.meeting_pages import (
    SILENT,
    floor_carries,
    floor_silent,
    no_page_errors,
    open_organiser,
)
from tests.support.pages import BrowserParticipant
from tests.support.tones import tone_power
from tests.support.whip import WhepListener

pytestmark = pytest.mark.browser

I18N = Path(__file__).resolve().parents[2] / "client" / "static" / "i18n"
EN: dict[str, str] = json.loads((I18N / "en.json").read_text(encoding="utf-8"))
ZH: dict[str, str] = json.loads((I18N / "zh.json").read_text(encoding="utf-8"))
UI_LANGUAGES: list[dict[str, str]] = json.loads(
    (I18N / "index.json").read_text(encoding="utf-8"))["languages"]

CHAIR = 770.0
VOICE = 660.0
WAIT = 15_000  # ms, for what crosses the server (a shared 2-core machine)
CONNECTED = "window.silkhall.mediaState === 'connected'"


def t(table: dict[str, str], key: str, **values: object) -> str:
    """A UI string as i18n.js fills it in."""
    text = table[key]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


async def open_delegate(
    playwright: Any, tmp: Path, server: LiveServer, name: str, frequency: float | None,
    *, join: bool = True,
) -> BrowserParticipant:
    """A delegate page; ``frequency`` None: a silent microphone."""
    if frequency is None:
        delegate = await BrowserParticipant.open(playwright, tmp, 200, amplitude=0.0)
    else:
        delegate = await BrowserParticipant.open(playwright, tmp, frequency)
    token = server.token("delegate", name=name)
    await delegate.goto(f"{server.base}/delegate/demo#token={token}")
    if join:
        await join_meeting(delegate)
    return delegate


async def join_meeting(delegate: BrowserParticipant) -> None:
    await expect(delegate.page.locator("#join")).to_be_enabled(timeout=WAIT)
    await delegate.page.click("#join")
    await delegate.wait_until(f"window.silkhall.you && {CONNECTED}", timeout=25)


def participant(server: LiveServer, participant_id: str) -> Participant:
    found: Participant = server.services.hub.rooms["demo"].participants[participant_id]
    return found


async def until(condition: Any, what: str, timeout: float = 10.0) -> None:
    """Poll a server-side condition (a callable) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_chair_microphone_reaches_the_floor(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    chair = await open_organiser(playwright, tmp_path, server, CHAIR)
    delegate: BrowserParticipant | None = None
    page = chair.page
    try:
        assert (await floor.start()).status_code == 201
        assert floor.collector is not None
        delegate = await open_delegate(playwright, tmp_path, server, "Renata Amano", None)
        me = await chair.evaluate("window.silkhall.you.id")
        seat = participant(server, me)
        assert seat.role is Role.ORGANISER

        # Closed until the chair opens it: nothing of 770 Hz on the floor.
        mic = page.get_by_role("button", name=EN["live.mic"])
        await expect(mic).to_have_attribute("aria-pressed", "false")
        await asyncio.sleep(1.5)
        assert not seat.mic_on and not seat.on_floor
        floor_sound = floor.collector.last(1.0)
        assert floor_sound.size > 0, "the floor listener receives nothing"
        assert tone_power(floor_sound, CHAIR) < SILENT, "the chair is on the floor already"

        # Opened: the server puts the chair on the floor, which carries 770 Hz
        # to a WHEP listener and to the delegate's page.
        await mic.click()
        await expect(mic).to_have_attribute("aria-pressed", "true")
        await until(lambda: seat.mic_on and seat.on_floor, "the chair never got on the floor")
        await chair.wait_until(
            f"window.silkhall.participants.get({me!r})?.on_floor === true")
        await floor_carries(floor, CHAIR, timeout=15)
        await delegate.wait_until(
            f"Math.abs(window.silkhall.mixer.dominantFrequency() - {CHAIR}) < 5", timeout=15)

        # Moderated: delegates wait for the floor, the chair does not.
        await page.get_by_label(EN["live.moderated"]).check()
        await chair.wait_until("window.silkhall.moderation.moderated")
        await delegate.wait_until("window.silkhall.micOn === false")
        assert seat.on_floor
        await expect(mic).to_have_attribute("aria-pressed", "true")
        await floor_carries(floor, CHAIR, timeout=15)

        # Closed: off the floor, and the tone is gone.
        await mic.click()
        await expect(mic).to_have_attribute("aria-pressed", "false")
        await until(lambda: not seat.mic_on and not seat.on_floor, "the chair stayed on")
        await floor_silent(floor, CHAIR, timeout=10)

        # Opened again (the same microphone, not asked for again): back on the floor.
        await mic.click()
        await expect(mic).to_have_attribute("aria-pressed", "true")
        await floor_carries(floor, CHAIR, timeout=15)
        await expect(page.locator("#live-error")).to_be_empty()
        no_page_errors(chair, delegate)
    finally:
        await floor.stop()
        await chair.close()
        if delegate is not None:
            await delegate.close()


async def test_delegate_m_key_toggles_the_microphone(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    speaker = await open_delegate(playwright, tmp_path, server, "Renata Amano", VOICE)
    watcher: BrowserParticipant | None = None
    page = speaker.page
    try:
        assert (await floor.start()).status_code == 201
        watcher = await open_delegate(playwright, tmp_path, server, "Li Wei", None)
        me = await speaker.evaluate("window.silkhall.you.id")
        seat = participant(server, me)
        button = page.locator("#mic")
        # The speaker's tile as the other delegate sees it.
        seen = watcher.page.locator(f'#tiles [data-participant="{me}"] .mic')

        # Unmoderated: the microphone is open from the start.
        await expect(button).to_have_attribute("aria-pressed", "true")
        await expect(button).to_have_attribute("aria-label", EN["control.mic_on"])
        await expect(seen).to_have_text("", timeout=WAIT)
        await floor_carries(floor, VOICE, timeout=15)

        # M closes it: the button, the server, the other delegate and the floor.
        await speaker.evaluate("document.activeElement?.blur()")
        await page.keyboard.press("m")
        await expect(button).to_have_attribute("aria-pressed", "false")
        await expect(button).to_have_attribute("aria-label", EN["control.mic_off"])
        await expect(button).to_have_class(re.compile(r"\boff\b"))
        await until(lambda: not seat.mic_on and not seat.on_floor, "the server kept it open")
        await expect(seen).to_have_text(EN["tile.muted"], timeout=WAIT)
        await floor_silent(floor, VOICE, timeout=10)

        # With Ctrl, Alt or Meta, M belongs to the browser or the system (Cmd+M
        # minimises on macOS): nothing changes.
        for chord in ("Control+m", "Alt+m", "Meta+m"):
            await page.keyboard.press(chord)
        assert await speaker.evaluate("window.silkhall.micOn") is False
        await expect(button).to_have_attribute("aria-pressed", "false")

        # Shift+M (a capital M) opens it again.
        await page.keyboard.press("Shift+M")
        await expect(button).to_have_attribute("aria-pressed", "true")
        await expect(button).to_have_attribute("aria-label", EN["control.mic_on"])
        await until(lambda: seat.mic_on and seat.on_floor, "the server kept it closed")
        await expect(seen).to_have_text("", timeout=WAIT)
        await floor_carries(floor, VOICE, timeout=15)

        # An M typed on the "original" slider is not the shortcut: the state is
        # unchanged, and the next M (outside it) is the one that closes it.
        await page.locator("#original").focus()
        await page.keyboard.press("m")
        assert await speaker.evaluate("window.silkhall.micOn") is True
        await expect(button).to_have_attribute("aria-pressed", "true")
        await speaker.evaluate("document.activeElement.blur()")
        await page.keyboard.press("m")
        await expect(button).to_have_attribute("aria-pressed", "false")
        await until(lambda: not seat.mic_on, "the server kept it open")

        # Likewise in the language list (which keeps its choice), while closed.
        listen = page.locator("#listen")
        await listen.focus()
        await page.keyboard.press("m")
        assert await speaker.evaluate("window.silkhall.micOn") is False
        await expect(listen).to_have_value("floor")
        await speaker.evaluate("document.activeElement.blur()")
        await page.keyboard.press("M")
        await expect(button).to_have_attribute("aria-pressed", "true")
        await until(lambda: seat.mic_on and seat.on_floor, "the server kept it closed")
        await expect(seen).to_have_text("", timeout=WAIT)
        await floor_carries(floor, VOICE, timeout=15)
        no_page_errors(speaker, watcher)
    finally:
        await floor.stop()
        await speaker.close()
        if watcher is not None:
            await watcher.close()


async def test_delegate_page_in_chinese(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    name = "Renata Amano"
    delegate = await open_delegate(playwright, tmp_path, server, name, None, join=False)
    page = delegate.page
    title = demo_meeting().title
    choose = page.get_by_label(EN["control.ui_language"])
    try:
        # The interface languages of i18n/index.json, English by default.
        await expect(page.locator("#ui-lang option")).to_have_text(
            [lang["name"] for lang in UI_LANGUAGES])
        await expect(choose).to_have_value("en")
        await expect(page.locator("#prejoin h2")).to_have_text(EN["join.title"])
        await join_meeting(delegate)
        mic = page.locator("#mic")
        await expect(mic).to_have_attribute("aria-label", EN["control.mic_on"])
        await expect(page.locator("#title")).to_have_text(title["en"])

        # 中文, in the meeting: the page's own labels and what it draws itself.
        await choose.select_option(label="中文")
        await delegate.wait_until("document.documentElement.lang === 'zh'")
        await expect(page.locator("#title")).to_have_text(title["zh"])
        await expect(page.locator(".ui-lang span")).to_have_text(ZH["control.ui_language"])
        await expect(mic).to_have_text(ZH["control.mic"])
        await expect(mic).to_have_attribute("aria-label", ZH["control.mic_on"])
        await expect(page.locator("#camera")).to_have_text(ZH["control.camera"])
        await expect(page.locator("#leave")).to_have_text(ZH["control.leave"])
        await expect(page.locator("#controls label").first).to_contain_text(
            ZH["control.language"])
        await expect(page.locator("#listen option").first).to_have_text(ZH["listen.floor"])
        await expect(page.locator("#state")).to_have_text(
            f"{ZH['state.joined']} · {ZH['media.connected']}")
        await expect(page.locator("#side-agenda-heading")).to_have_text(ZH["side.agenda"])
        await expect(page.locator("#agenda-print")).to_have_text(ZH["agenda.print"])
        await expect(page.locator("#tiles .tile.self .name")).to_have_text(
            f"{name} ({ZH['tile.you']})")
        await expect(page.locator("#people")).to_have_text(t(ZH, "people.count", count=1))
        await expect(page.locator("#tiles")).to_have_attribute("aria-label", ZH["tile.group"])
        await expect(page.locator("#cam-select option[value='none']")).to_have_text(
            ZH["join.no_camera"])
        opening = demo_meeting().items[0]
        await expect(page.locator(f'#side-agenda li[data-item="{opening.id}"] .title')
                     ).to_have_text(opening.title["zh"])
        # Strings drawn later are in Chinese too.
        await delegate.evaluate("document.activeElement?.blur()")
        await page.keyboard.press("m")
        await expect(mic).to_have_attribute("aria-label", ZH["control.mic_off"])
        await expect(page.locator("#tiles .tile.self .mic")).to_have_text(
            ZH["tile.muted"], timeout=WAIT)

        # Remembered by this browser: after a reload the page starts in Chinese.
        await page.reload()
        await expect(page.locator("#join")).to_have_text(ZH["join.button"])
        await expect(page.locator("#prejoin h2")).to_have_text(ZH["join.title"])
        await expect(page.locator("#ui-lang")).to_have_value("zh")
        assert await delegate.evaluate("document.documentElement.lang") == "zh"
        await join_meeting(delegate)
        await expect(mic).to_have_attribute("aria-label", ZH["control.mic_on"])
        await expect(page.locator("#title")).to_have_text(title["zh"])

        # And back to English.
        await page.locator("#ui-lang").select_option(label="English")
        await expect(mic).to_have_attribute("aria-label", EN["control.mic_on"])
        await expect(page.locator("#leave")).to_have_text(EN["control.leave"])
        await expect(page.locator("#title")).to_have_text(title["en"])
        no_page_errors(delegate)
    finally:
        await delegate.close()


async def test_organiser_page_in_chinese(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    chair = await open_organiser(playwright, tmp_path, server)
    page = chair.page
    meeting = demo_meeting()
    keynote = next(item for item in meeting.items if item.id == "keynote")
    tabs = ["organiser.tab_agenda", "organiser.tab_meeting", "organiser.tab_places",
            "organiser.tab_links", "organiser.tab_feeds", "organiser.tab_media",
            "organiser.tab_recordings"]
    try:
        await expect(page.get_by_role("tab")).to_have_text([EN[key] for key in tabs])
        await expect(page.locator("#live-mic")).to_have_text(EN["live.mic"])
        await expect(page.locator("#state")).to_have_text(EN["state.joined"], timeout=WAIT)

        await page.get_by_label(EN["control.ui_language"]).select_option(label="中文")
        await chair.wait_until("document.documentElement.lang === 'zh'")
        # The page's fixed labels.
        await expect(page.get_by_role("tab")).to_have_text([ZH[key] for key in tabs])
        await expect(page.locator("#live-heading")).to_have_text(ZH["live.title"])
        await expect(page.get_by_role("button", name=ZH["live.mic"])).to_have_attribute(
            "aria-pressed", "false")
        live = page.locator("#live")
        await expect(live.get_by_label(ZH["live.listen"])).not_to_be_checked()
        # (Scoped: zh.json gives the meeting form's "moderated" field the same label.)
        await expect(live.get_by_label(ZH["live.moderated"])).not_to_be_checked()
        await expect(page.locator("#live-start")).to_have_text(ZH["live.start"])
        await expect(page.locator("#live-next")).to_have_text(ZH["live.next"])
        await expect(page.locator("#rec-toggle")).to_have_text(ZH["rec.start"])
        await expect(page.locator("#hands-empty")).to_have_text(ZH["live.no_hands"])
        # What the panels draw themselves.
        await expect(page.locator("#title")).to_have_text(meeting.title["zh"])
        assert await page.title() == f"{meeting.title['zh']} — {ZH['organiser.title']}"
        await expect(page.locator("#state")).to_have_text(ZH["state.joined"])
        await expect(page.locator("#now-title")).to_have_text(ZH["live.not_started"])
        await expect(page.locator("#floor-language option").first).to_have_text(
            ZH["live.floor_unknown"])
        await expect(page.locator("#add-item")).to_have_text(ZH["agenda.add"])
        await expect(page.locator("#reorder-help")).to_have_text(ZH["agenda.reorder_help"])
        goto = page.get_by_role(
            "button", name=t(ZH, "live.goto_item", title=keynote.title["zh"]))
        await expect(goto).to_have_text(ZH["live.goto"])
        # It still runs the meeting: going to the keynote in Chinese.
        await goto.click()
        await expect(page.locator("#now-title")).to_have_text(keynote.title["zh"], timeout=WAIT)
        await expect(page.locator("#now-remaining")).to_contain_text(
            ZH["live.remaining"].split("{time}")[0])

        # Remembered after a reload.
        await page.reload()
        await chair.wait_until("window.silkhall.doc && window.silkhall.agendaState", timeout=20)
        await expect(page.locator("#ui-lang")).to_have_value("zh")
        await expect(page.get_by_role("tab")).to_have_text([ZH[key] for key in tabs])
        await expect(page.locator("#live-mic")).to_have_text(ZH["live.mic"])
        await expect(page.locator("#now-title")).to_have_text(keynote.title["zh"], timeout=WAIT)
        await expect(page.locator("#state")).to_have_text(ZH["state.joined"], timeout=WAIT)
        no_page_errors(chair)
    finally:
        await chair.close()
