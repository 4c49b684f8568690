"""Venues' feeds, media played into the meeting, and recording.

docs/protocol.md, "Venues, played media, recording, cluster" (the cluster's
``redirect`` answers a hello, so it lives with the session messages).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.protocol.base import Id, Message

# --- venues and media played into the meeting --------------------------------


class MuteFeed(Message):
    """Take a venue's feed (or played media) off the floor, or put it back."""

    type: Literal["mute_feed"]
    participant: Id
    muted: bool


class MediaPlay(Message):
    type: Literal["media_play"]
    # an agenda item whose media file to play, or a file uploaded to the meeting
    item: Id | None = None
    file: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class MediaPause(Message):
    type: Literal["media_pause"]


class MediaResume(Message):
    type: Literal["media_resume"]


class MediaStop(Message):
    type: Literal["media_stop"]


# --- server to client -------------------------------------------------------


class RecordingStatus(Message):
    """Whether the meeting is being recorded (clients show it)."""

    type: Literal["recording"] = "recording"
    active: bool
    recording: str | None
    started_at: float | None


class MediaStatus(Message):
    """The media file being played into the meeting, if any."""

    type: Literal["media_state"] = "media_state"
    state: Literal["idle", "playing", "paused"]
    participant: str | None = None
    title: str | None = None
    file: str | None = None
    item: str | None = None
    position: float = 0.0  # seconds
    duration: float = 0.0
    transcoded: bool = False


class VenueStatusInfo(Message):
    participant: str
    venue: str | None
    name: str
    transport: str  # browser | whip | media
    media: str  # the peer connection's state
    level_dbfs: float  # the feed's recent level (-127 silent)
    packet_loss: float | None  # fraction of the feed's packets lost
    rtt_ms: float | None
    on_floor: bool
    feed_muted: bool
    listening: str | None


class VenueStatus(Message):
    """Sent to chairs every second while venues are connected."""

    type: Literal["venue_status"] = "venue_status"
    venues: list[VenueStatusInfo]
