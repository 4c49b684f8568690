"""A live meeting: its participants, the floor, the channels, and the
notices that keep everyone's view of them current.

Who receives what is :mod:`server.media_routing`'s; the room re-routes after
every event and on a short tick (for loudness and active-speaker changes), so
no event handler has to know about slots.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from agenda.languages import endonym
from agenda.live import LiveAgenda
from agenda.live_messages import agenda_items, agenda_state, moderation_state
from agenda.model import AgendaItem, Meeting
from interpretation.channel import ChannelOutput
from interpretation.controller import Interpretation
from server.auth.roles import Permission, Role
from server.media.codecs import CodecStats
from server.media.mixer import FloorMixer
from server.media.peer import SendSlot, ServerPeer
from server.media.settings import MediaSettings
from server.media.tracks import Source
from server.media_routing import MediaRouter
from server.participant import Participant
from server.protocol import (
    BoothInfo,
    LanguageInfo,
    MediaStatus,
    MeetingInfo,
    Message,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    RecordingStatus,
    VenueInfo,
)

log = logging.getLogger(__name__)


class RoomRecorder(Protocol):
    """What the room tells a recorder (recordings.recorder.Recorder)."""

    id: str
    started_at: float

    def chapter(self, item: AgendaItem) -> None: ...


WATCH_TICK = 0.1


class Room:
    def __init__(
        self,
        meeting: Meeting,
        settings: MediaSettings,
        stats: CodecStats,
    ) -> None:
        self.meeting = meeting
        self.settings = settings
        self.stats = stats
        self.participants: dict[str, Participant] = {}
        self.mixer = FloorMixer(meeting.id, stats)
        self.channels: dict[str, ChannelOutput] = {
            lang: ChannelOutput(meeting.id, lang, endonym(lang)) for lang in meeting.languages
        }
        self.interpretation = Interpretation(
            meeting, self.channels, self.mixer.floor, stats, self._interpretation_changed
        )
        self.listeners: dict[str, tuple[ServerPeer, SendSlot]] = {}
        self.live = LiveAgenda.of(meeting)
        self.media_status = MediaStatus(state="idle")
        # Recorders of this meeting (recordings.recorder.Recorder), by id.
        self.recorders: dict[str, RoomRecorder] = {}
        self.router = MediaRouter(self)
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    # --- lifecycle --------------------------------------------------------

    def start(self, renegotiate: Callable[[Participant], None]) -> None:
        self.router.renegotiate = renegotiate
        self.mixer.start()
        self.route_channels()
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for participant in list(self.participants.values()):
            await self.remove(participant.id, "meeting closed")
        for listener_id in list(self.listeners):
            await self.remove_listener(listener_id)
        self.interpretation.close()
        for channel in self.channels.values():
            channel.close()
        await self.mixer.stop()

    async def _run(self) -> None:
        ticks = 0
        while True:
            # Interpreters' signal is watched every 100 ms (a lost one must be
            # off the air within a second); loudness routing every 300 ms.
            await asyncio.sleep(WATCH_TICK)
            ticks += 1
            try:
                self.interpretation.tick(time.monotonic())
                expired = self.live.expired(time.time())
                if expired:
                    for participant_id in expired:
                        self.live.revoke(participant_id)
                    self.moderation_changed()
                if ticks % 3 == 0:
                    self.router.update_active_speaker()
                    self.reconcile()
            except Exception:  # one bad tick must not end the meeting's routing
                log.exception("room %s tick failed", self.meeting.id)

    @property
    def empty(self) -> bool:
        return not self.participants and not self.listeners and not self.recorders

    # --- description ------------------------------------------------------

    def meeting_info(self) -> MeetingInfo:
        m = self.meeting
        return MeetingInfo(
            id=m.id,
            title=m.title,
            timezone=m.timezone,
            languages=[LanguageInfo(code=c, name=endonym(c)) for c in m.languages],
            venues=[
                VenueInfo(
                    id=v.id, name=v.name, city=v.city, timezone=v.timezone,
                    pa_language=v.pa_language,
                )
                for v in m.venues
            ],
            booths=[
                BoothInfo(id=b.id, a=b.a, b=b.b, understands=list(b.understands))
                for b in m.booths
            ],
        )

    def broadcast(self, message: Message, exclude: str | None = None) -> None:
        for participant in list(self.participants.values()):
            if participant.id != exclude:
                participant.send(message)

    # --- membership -------------------------------------------------------

    def add(self, participant: Participant) -> None:
        self.participants[participant.id] = participant
        if participant.role is Role.INTERPRETER and participant.booth:
            self.interpretation.join(
                participant.id, participant.name, participant.booth, participant.mic
            )
        participant.send(self.interpretation.state_message())
        participant.send(agenda_items(self.meeting))
        participant.send(agenda_state(self.live, self.interpretation.floor_language))
        participant.send(moderation_state(self.live))
        participant.send(self.recording_status())
        participant.send(self.media_status)
        self.refresh_floor()
        self.broadcast(ParticipantJoined(participant=participant.info()), exclude=participant.id)
        self.reconcile()

    async def remove(self, participant_id: str, reason: str) -> Participant | None:
        participant = self.participants.pop(participant_id, None)
        if participant is None:
            return None
        log.info("%s left %s: %s", participant_id, self.meeting.id, reason)
        peer, participant.peer = participant.peer, None
        self.interpretation.leave(participant_id)
        if participant_id in self.live.granted or any(
            h.participant == participant_id for h in self.live.hands
        ):
            self.live.forget(participant_id)
            self.broadcast(moderation_state(self.live))
        self.router.forget(participant_id)
        self.refresh_floor()
        self.route_channels()
        self.broadcast(ParticipantLeft(id=participant_id))
        self.reconcile()
        if peer is not None:
            await peer.close()
        return participant

    def updated(self, participant: Participant) -> None:
        """A participant's state changed: tell everyone and re-route."""
        if participant not in self.refresh_floor():
            self.broadcast(ParticipantUpdated(participant=participant.info()))
        self.reconcile()

    def add_listener(self, listener_id: str, peer: ServerPeer, slot: SendSlot) -> None:
        self.listeners[listener_id] = (peer, slot)
        slot.track.attach(self.channel_source(slot.channel or "floor"))

    async def remove_listener(self, listener_id: str) -> bool:
        entry = self.listeners.pop(listener_id, None)
        if entry is None:
            return False
        await entry[0].close()
        return True

    # --- the floor --------------------------------------------------------

    def is_on_floor(self, participant: Participant) -> bool:
        if participant.can(Permission.FEED_FLOOR):
            return not participant.muted_by_chair
        if not participant.can(Permission.SPEAK) or not participant.mic_on:
            return False
        if self.live.moderated and participant.role is not Role.ORGANISER:
            return participant.id in self.live.granted
        return True

    def open_mic_count(self, exclude: str | None = None) -> int:
        """Delegates' microphones on the floor (venues are not counted)."""
        return sum(
            1
            for p in self.participants.values()
            if p.on_floor and p.id != exclude and not p.can(Permission.FEED_FLOOR)
        )

    def recording_status(self) -> RecordingStatus:
        for recorder in self.recorders.values():
            return RecordingStatus(active=True, recording=recorder.id,
                                   started_at=recorder.started_at)
        return RecordingStatus(active=False, recording=None, started_at=None)

    # --- the live agenda ----------------------------------------------------

    def agenda_changed(self) -> None:
        language = self.live.floor_language()
        if language is not None:
            self.interpretation.set_floor_language(language)
        item = self.live.current_item()
        if item is not None:
            for recorder in self.recorders.values():
                recorder.chapter(item)
        self.broadcast(agenda_state(self.live, self.interpretation.floor_language))

    def moderation_changed(self) -> None:
        self.refresh_floor()
        self.broadcast(moderation_state(self.live))
        self.reconcile()

    def update_meeting(self, meeting: Meeting) -> None:
        """Meeting data was edited: apply what can change during a meeting."""
        self.meeting = meeting
        self.live.replace_meeting(meeting)
        for language in meeting.languages:
            if language not in self.channels:
                self.channels[language] = ChannelOutput(meeting.id, language, endonym(language))
        self.interpretation.update_meeting(meeting)
        self.broadcast(agenda_items(meeting))
        self.broadcast(agenda_state(self.live, self.interpretation.floor_language))
        self.moderation_changed()

    def floor_participants(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.on_floor]

    def refresh_floor(self) -> list[Participant]:
        """Recompute who is on the floor; announce and return who changed."""
        changed: list[Participant] = []
        for participant in self.participants.values():
            on_floor = self.is_on_floor(participant)
            if on_floor != participant.on_floor:
                participant.on_floor = on_floor
                changed.append(participant)
        self.mixer.set_sources([p.mic for p in self.floor_participants()])
        for participant in changed:
            self.broadcast(ParticipantUpdated(participant=participant.info()))
        return changed

    def channel_source(self, name: str) -> Source | None:
        if name == "floor":
            return self.mixer.floor
        channel = self.channels.get(name)
        return channel.source if channel is not None else None

    def route_channels(self) -> None:
        """Point each language channel at its input (a live booth, else the floor)."""
        self.interpretation.route()

    def _interpretation_changed(self, booths: set[str], channels: bool) -> None:
        for booth_id in booths:
            message = self.interpretation.booth_message(booth_id)
            for member in self.interpretation.members(booth_id):
                participant = self.participants.get(member)
                if participant is not None:
                    participant.send(message)
        if channels:
            self.broadcast(self.interpretation.state_message())
        self.reconcile()

    # --- what each participant receives ----------------------------------

    @property
    def active_speaker(self) -> str | None:
        return self.router.active_speaker

    def reconcile(self) -> None:
        self.router.reconcile()

    def wanted_video(self, participant: Participant) -> list[Source]:
        return self.router.wanted_video(participant)
