"""The live meetings of this process, opened on demand from the store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from agenda.model import Meeting
from agenda.store import MeetingStore
from server.config import Settings
from server.media.codecs import CodecStats
from server.media.peer import ServerPeer
from server.metrics import Metrics
from server.participant import Participant
from server.protocol import Bye
from server.room import Room

if TYPE_CHECKING:
    from server.cluster.context import Cluster

log = logging.getLogger(__name__)

CLOSE_MEETING_ENDED = 4010  # docs/protocol.md, "Closing"


class UnknownMeeting(LookupError):
    pass


class Elsewhere(Exception):
    """The meeting lives on another node of the cluster, at ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


# Called when a room opens here; the second argument is the node the meeting
# was on before, if it moved here because that node died.
OpenHook = Callable[[Room, str | None], Awaitable[None]]


class Hub:
    def __init__(
        self,
        settings: Settings,
        store: MeetingStore,
        stats: CodecStats,
        metrics: Metrics,
    ) -> None:
        self._settings = settings
        self._store = store
        self.store = store
        self.stats = stats
        self.metrics = metrics
        # Set by the dispatcher: how a room asks for a new offer to a client.
        self.renegotiate: Callable[[Participant], None] = lambda participant: None
        self.rooms: dict[str, Room] = {}
        self.cluster: Cluster | None = None
        self.on_open: list[OpenHook] = []
        self._lock = asyncio.Lock()
        self._idle: dict[str, asyncio.TimerHandle] = {}

    async def open(self, meeting_id: str) -> Room:
        """The meeting's room here; Elsewhere if another node hosts it."""
        async with self._lock:
            room = self.rooms.get(meeting_id)
            if room is not None:
                self._keep(meeting_id)
                return room
            meeting = await self._store.get(meeting_id)
            if meeting is None:
                raise UnknownMeeting(meeting_id)
            moved_from = None
            if self.cluster is not None:
                placed = await self.cluster.placement.locate(meeting_id)
                if not placed.local:
                    raise Elsewhere(placed.node.url)
                moved_from = placed.moved_from
            room = Room(meeting, self._settings.media, self.stats)
            room.start(self.renegotiate)
            self.rooms[meeting_id] = room
        for hook in self.on_open:
            try:
                await hook(room, moved_from)
            except Exception:
                log.exception("opening %s: a hook failed", meeting_id)
        return room

    def load(self) -> int:
        """What this node carries: participants and listeners of its rooms."""
        return sum(len(r.participants) + len(r.listeners) for r in self.rooms.values())

    def new_peer(self) -> ServerPeer:
        return ServerPeer(self._settings.media, self.stats, latency=self.metrics.sampler)

    async def meeting_changed(self, meeting: Meeting) -> None:
        """Meeting data was edited through the API: update its live room (in a
        cluster, on whichever node hosts it)."""
        room = self.rooms.get(meeting.id)
        if room is not None:
            room.update_meeting(meeting)
        if self.cluster is not None:
            await self.cluster.announce(meeting.id, "changed")

    async def meeting_deleted(self, meeting_id: str) -> None:
        """The meeting is gone: end its live room (on whichever node)."""
        await self.end(meeting_id, "the meeting was deleted")
        if self.cluster is not None:
            await self.cluster.announce(meeting_id, "deleted")

    async def changed_elsewhere(self, meeting_id: str, kind: str) -> None:
        """Another node changed or deleted a meeting this node may host."""
        if kind == "deleted":
            await self.end(meeting_id, "the meeting was deleted")
            return
        room = self.rooms.get(meeting_id)
        meeting = await self._store.get(meeting_id) if room is not None else None
        if room is not None and meeting is not None:
            room.update_meeting(meeting)

    async def end(self, meeting_id: str, reason: str) -> None:
        """Close a meeting's room; its clients are told it ended (4010)."""
        async with self._lock:
            room = self.rooms.pop(meeting_id, None)
            self._keep(meeting_id)
        if room is None:
            return
        for participant in list(room.participants.values()):
            participant.send(Bye(reason=reason))
            if participant.connection is not None:
                participant.connection.close(CLOSE_MEETING_ENDED, "meeting ended")
        await room.close()
        if self.cluster is not None:
            await self.cluster.placement.forget(meeting_id)

    def get(self, meeting_id: str) -> Room | None:
        return self.rooms.get(meeting_id)

    def _keep(self, meeting_id: str) -> None:
        handle = self._idle.pop(meeting_id, None)
        if handle is not None:
            handle.cancel()

    def released(self, room: Room) -> None:
        """Someone left: close the room later if it stays empty."""
        if not room.empty or room.meeting.id in self._idle:
            return
        loop = asyncio.get_running_loop()
        self._idle[room.meeting.id] = loop.call_later(
            self._settings.idle_close, lambda: asyncio.ensure_future(self._close_idle(room))
        )

    async def _close_idle(self, room: Room) -> None:
        async with self._lock:
            self._idle.pop(room.meeting.id, None)
            if room.empty and self.rooms.get(room.meeting.id) is room:
                del self.rooms[room.meeting.id]
                await room.close()
                if self.cluster is not None:
                    await self.cluster.placement.forget(room.meeting.id)

    async def close(self) -> None:
        for handle in self._idle.values():
            handle.cancel()
        self._idle.clear()
        for room in list(self.rooms.values()):
            await room.close()
        self.rooms.clear()
