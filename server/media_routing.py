"""What each participant receives: the source every send slot carries, and
who the active speaker is.

Routing is declarative: :meth:`MediaRouter.reconcile` computes, for every
participant, which source each of their send slots should carry, and applies
the difference. The room runs it after every event and on a short tick (for
loudness and active-speaker changes), so no event handler has to know about
slots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from server.auth.roles import Role
from server.media.peer import ServerPeer
from server.media.tracks import Source
from server.participant import Participant
from server.protocol import ActiveSpeaker, Slots
from server.slots import assign, describe_slots

if TYPE_CHECKING:
    from server.room import Room

SILENT_LEVEL = 100.0  # -dBov; quieter than this does not count as speaking
SPEAKER_MARGIN = 6.0  # dB louder needed to take active speaker from another


class MediaRouter:
    """Routes one room's sources to its participants' send slots."""

    def __init__(self, room: Room) -> None:
        self._room = room
        self.active_speaker: str | None = None
        # Set when the room starts: adding video lines needs a new offer.
        self.renegotiate: Callable[[Participant], None] | None = None

    # --- active speaker ---------------------------------------------------

    def update_active_speaker(self) -> None:
        room = self._room
        speaking = [
            p for p in room.floor_participants() if p.mic.level < SILENT_LEVEL
        ]
        if not speaking:
            return
        loudest = min(speaking, key=lambda p: p.mic.level)
        current = room.participants.get(self.active_speaker or "")
        if (
            current is not None
            and current.on_floor
            and current is not loudest
            and loudest.mic.level > current.mic.level - SPEAKER_MARGIN
        ):
            return
        if loudest.id != self.active_speaker:
            self.active_speaker = loudest.id
            room.broadcast(ActiveSpeaker(participant=loudest.id))

    def forget(self, participant_id: str) -> None:
        """A participant left: they can no longer be the active speaker."""
        if self.active_speaker == participant_id:
            self.active_speaker = None
            self._room.broadcast(ActiveSpeaker(participant=None))

    # --- routing ----------------------------------------------------------

    def reconcile(self) -> None:
        room = self._room
        if room.closed:
            return
        for participant in list(room.participants.values()):
            if participant.peer is not None:
                self._route(participant, participant.peer)

    def _route(self, participant: Participant, peer: ServerPeer) -> None:
        self._attach(participant, peer)
        slots = describe_slots(peer)
        if slots != participant.slot_map and all(s.mid for s in slots):
            participant.slot_map = slots
            participant.send(Slots(slots=slots))

    def _attach(self, participant: Participant, peer: ServerPeer) -> None:
        room = self._room
        assign(peer.slots("floor"), self._loudest(participant.id, room.settings.audio_slots))
        for slot in peer.slots("language"):
            listen = participant.listen
            slot.track.attach(None if listen in (None, "floor") else room.channel_source(listen))
        for slot in peer.slots("pa"):
            slot.track.attach(self._pa_source(participant))
        for slot in peer.slots("incoming"):
            slot.track.attach(room.interpretation.incoming_source(participant.id))
        self._route_video(participant, peer)

    def _loudest(self, exclude: str | None, count: int) -> list[Source]:
        candidates = [
            p.mic
            for p in self._room.floor_participants()
            if p.id != exclude and p.mic.packets > 0
        ]
        candidates.sort(key=lambda s: s.level)
        return candidates[:count]

    def _pa_source(self, participant: Participant) -> Source | None:
        """What a venue's loudspeakers play: its language (by default its PA
        language, or the floor if it chose so), never its own feed."""
        room = self._room
        language = participant.listen
        if language is None:
            venue = room.meeting.venue(participant.venue or "")
            language = venue.pa_language if venue is not None else "floor"
        channel = room.channels.get(language)
        if channel is not None and channel.input is not room.mixer.floor:
            return channel.source
        return room.mixer.minus(frozenset({participant.mic.id}), f"Floor − {participant.name}")

    def _route_video(self, participant: Participant, peer: ServerPeer) -> None:
        settings = self._room.settings
        slots = peer.slots("video")
        wanted = self.wanted_video(participant)
        if len(wanted) > len(slots) and len(slots) < settings.max_video_slots:
            for _ in range(min(len(wanted), settings.max_video_slots) - len(slots)):
                peer.add_send("video", "video")
            if self.renegotiate is not None:
                self.renegotiate(participant)
            slots = peer.slots("video")
        assign(slots, wanted)

    def wanted_video(self, participant: Participant) -> list[Source]:
        participants = self._room.participants
        ids: list[str] = []
        if participant.role is Role.INTERPRETER:
            ids = [self.active_speaker] if self.active_speaker else []
        else:
            ids = list(participant.view[:9])
            if not participant.view:
                ids = [p for p in participants if p != participant.id][:9]
            if self.active_speaker and self.active_speaker not in ids:
                ids.append(self.active_speaker)
        out: list[Source] = []
        for pid in ids:
            other = participants.get(pid)
            if other is None or other.id == participant.id or not other.camera_on:
                continue
            if other.camera.packets == 0 or other.camera.codec != "vp8":
                # Subscribers' video lines are VP8: other codecs are not forwarded.
                continue
            out.append(other.camera)
        return out[: self._room.settings.max_video_slots]
