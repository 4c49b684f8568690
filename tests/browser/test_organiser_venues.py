"""The technician watches the venues from the organiser page in Chromium.

Hangzhou's sound desk (a Python venue client playing 440 Hz) connects: the
Venue feeds tab shows it connected with a live level while Lyon is not
connected. The chair mutes Hangzhou's feed and a floor listener hears it go
silent; unmuted, it is back. The chair records a few seconds from the live
panel: the top bar says ● REC with the time, a delegate's page says so too,
and the finished recording is listed with a link to the player. Then a video
is uploaded in the Media tab and played into the meeting, paused and stopped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from server.media.testcard import make_webm
from tests.support.live import LiveServer
from tests.support.meeting_pages import (
    floor_carries,
    floor_silent,
    no_page_errors,
    open_delegate,
    open_organiser,
)
from tests.support.tones import ToneTrack
from tests.support.whip import WhepListener
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.browser

DESK = 440.0
HANGZHOU = "#feeds tr[data-venue=hangzhou]"


async def test_venue_feeds_mute_and_recording(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    venue = SignallingClient(
        server.ws_url, server.token("venue", venue="hangzhou", name="Hangzhou"),
        mic=ToneTrack(DESK))
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    organiser = await open_organiser(playwright, tmp_path, server)
    chair = organiser.page
    delegate = None
    try:
        await venue.join()
        await venue.wait_connected()
        await venue.send({"type": "media", "mic": True, "camera": False})
        assert (await floor.start()).status_code == 201

        await chair.get_by_role("tab", name="Venue feeds").click()
        row = chair.locator(HANGZHOU)
        await expect(row.locator(".feed-connection")).to_have_text(
            re.compile("^connected"), timeout=15000)
        await expect(row.locator("th")).to_contain_text("Hangzhou secretariat (ISU)")
        await expect(row.locator(".feed-pa")).to_contain_text("中文 (zh)")
        await expect(row.locator(".feed-floor")).to_have_text("on the floor")
        await expect(chair.locator("#feeds tr[data-venue=lyon] .feed-connection")).to_have_text(
            "not connected")
        await expect(chair.locator("#feeds tr[data-venue=lyon] .mute-feed")).to_have_count(0)

        # The level is the desk's tone, and it is live: new figures every second.
        level = f"Number(document.querySelector('{HANGZHOU}').dataset.level)"
        await organiser.wait_until(f"{level} > -40", timeout=10)
        await expect(row.locator(".level-text")).to_have_text(re.compile(r"^−\d+ dBFS$"))
        seen = await organiser.evaluate("window.silkhall.venueUpdates")
        await organiser.wait_until(f"window.silkhall.venueUpdates >= {seen + 2}", timeout=5)
        await expect(row.locator(".feed-rtt")).to_have_text(re.compile(r"^\d+ ms$"), timeout=10)
        await expect(row.locator(".feed-loss")).to_have_text(re.compile(r"^\d+\.\d %$"))
        await floor_carries(floor, DESK)

        # Mute: off the floor, at the server and in the floor's sound.
        room = server.services.hub.rooms["demo"]
        desk = next(p for p in room.participants.values() if p.venue == "hangzhou")
        await chair.get_by_role("button", name="Mute the feed of Hangzhou").click()
        await expect(row.locator(".feed-floor")).to_have_text("muted by the chair")
        assert not desk.on_floor and desk.muted_by_chair
        await floor_silent(floor, DESK)
        await chair.get_by_role("button", name="Unmute the feed of Hangzhou").click()
        await expect(row.locator(".feed-floor")).to_have_text("on the floor")
        assert desk.on_floor
        await floor_carries(floor, DESK)

        # Record a few seconds from the live panel; a delegate sees ● REC too.
        delegate = await open_delegate(playwright, tmp_path, server, "Renata Amano")
        indicator = chair.locator("#rec-indicator")
        await expect(indicator).to_be_hidden()
        await chair.get_by_role("button", name="Start recording").click()
        await expect(indicator).to_be_visible()
        await expect(indicator).to_contain_text("REC")
        await expect(delegate.page.locator("#rec-indicator")).to_be_visible()
        await expect(indicator.locator(".rec-time")).to_have_text(
            re.compile(r"^0:0[2-9]$"), timeout=6000)
        await expect(chair.locator("#rec-status")).to_have_text(re.compile(r"^Recording: 0:0\d$"))
        await chair.get_by_role("button", name="Stop recording").click()
        await expect(indicator).to_be_hidden()
        await expect(delegate.page.locator("#rec-indicator")).to_be_hidden()
        await expect(chair.locator("#rec-status")).to_have_text("Not recording")

        await chair.get_by_role("tab", name="Recordings").click()
        recorded = chair.locator("#recordings tr")
        await expect(recorded).to_have_count(1)
        await expect(recorded.locator(".rec-state .badge")).to_have_text("finished", timeout=10000)
        await expect(recorded.locator(".duration")).to_have_text(re.compile(r"^0:0[2-9]$"))
        await expect(recorded.locator(".size")).to_have_text(re.compile(r"\d+(\.\d)? (kB|MB)"))
        [recording] = await server.services.recordings.of_meeting("demo")
        link = recorded.get_by_role("link", name=re.compile("^Open the recording started"))
        await expect(link).to_have_attribute(
            "href", re.compile(rf"^/playback/demo#token=.+&recording={recording.id}$"))
        no_page_errors(organiser, delegate)
    finally:
        await floor.stop()
        await venue.close()
        await organiser.close()
        if delegate is not None:
            await delegate.close()


async def test_media_upload_play_pause_stop(
    server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    video = make_webm(tmp_path / "uzbekistan.webm", seconds=8.0)
    organiser = await open_organiser(playwright, tmp_path, server)
    chair = organiser.page
    try:
        await chair.get_by_role("tab", name="Media").click()
        item = chair.locator("#media-items li[data-item=uzbek-video]")
        await expect(item).to_contain_text("uzbekistan.webm is not uploaded yet")
        play_item = chair.get_by_role(
            "button", name="Play the video of: Promotional video of Uzbekistan")
        await expect(play_item).to_be_disabled()

        await chair.get_by_label("Upload a video or sound file").set_input_files(video)
        await chair.get_by_role("button", name="Upload", exact=True).click()
        await expect(chair.locator("#media-upload-status")).to_have_text(
            re.compile(r"^Uploaded uzbekistan\.webm \(\d+ kB\)\.$"))
        await expect(chair.locator("#media-files li[data-file='uzbekistan.webm']")).to_have_count(1)

        await play_item.click()
        now = chair.locator("#media-now")
        await expect(now).to_have_attribute("data-state", "playing")
        await expect(chair.locator("#media-title")).to_have_text("Playing: uzbekistan")
        await expect(now.locator(".transcoded")).to_have_count(0)  # Opus and VP8: passed through
        await expect(chair.locator("#media-position")).to_have_text(
            re.compile(r"^0:0[1-7] / 0:0[78]$"), timeout=5000)
        # The file is a feed on the floor like a venue's.
        played = chair.locator("#feeds tr", has_text="played media")
        await expect(played.locator(".feed-connection")).to_have_text("playing · file")
        await expect(played.locator(".mute-feed")).to_have_attribute(
            "aria-label", "Mute the feed of ▶ uzbekistan")

        await chair.get_by_role("button", name="Pause").click()
        await expect(now).to_have_attribute("data-state", "paused")
        await chair.get_by_role("button", name="Resume").click()
        await expect(now).to_have_attribute("data-state", "playing")
        await chair.get_by_role("button", name="Stop playing").click()
        await expect(now).to_have_attribute("data-state", "idle")
        await expect(chair.locator("#media-title")).to_have_text("Nothing is playing.")

        # Refused requests are shown in the panel.
        await organiser.evaluate("window.silkhall.signalling.send({type: 'media_stop'})")
        await expect(chair.locator("#media-error")).to_have_text("Refused: nothing is playing")
        await expect(chair.locator("#live-error")).to_be_empty()
        no_page_errors(organiser)
    finally:
        await organiser.close()
