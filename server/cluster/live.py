"""A meeting's live state (current item, floor language, booths, recording)
as every node can answer it: the hosting node builds it from its room and,
in a cluster, shares it through Redis every second."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from pydantic import BaseModel
from starlette.responses import Response

from agenda.http import Call, json_response
from agenda.openapi import Access, Endpoint, Reply
from server.actions import websocket_url
from server.hub import Hub
from server.protocol import Redirect
from server.room import Room
from server.signalling import CLOSE_REDIRECT

if TYPE_CHECKING:
    from server.app import Services

log = logging.getLogger(__name__)


class LiveChannel(BaseModel):
    language: str
    live: bool
    booth: str | None


class LiveBooth(BaseModel):
    booth: str
    live: str | None  # participant id of the live interpreter
    output_language: str
    signal: bool
    interpreters: int


class LiveState(BaseModel):
    meeting: str
    open: bool  # whether the meeting is running (has a room) now
    node: str | None = None
    started: bool = False
    current_item: str | None = None
    item_started_at: float | None = None
    floor_language: str | None = None
    moderated: bool = False
    participants: int = 0
    channels: list[LiveChannel] = []
    booths: list[LiveBooth] = []
    recording: str | None = None
    media: str = "idle"
    updated_at: float = 0.0


def snapshot(room: Room, node: str | None) -> LiveState:
    live = room.live
    interpretation = room.interpretation.state_message()
    booths = []
    for booth_id in room.interpretation.booths:
        message = room.interpretation.booth_message(booth_id)
        booths.append(LiveBooth(booth=booth_id, live=message.live,
                                output_language=message.output_language,
                                signal=message.signal, interpreters=len(message.interpreters)))
    recording = room.recording_status()
    return LiveState(
        meeting=room.meeting.id, open=True, node=node,
        started=live.started_at is not None, current_item=live.current,
        item_started_at=live.item_started_at,
        floor_language=room.interpretation.floor_language, moderated=live.moderated,
        participants=len(room.participants),
        channels=[LiveChannel(language=c.language, live=c.live, booth=c.booth)
                  for c in interpretation.channels],
        booths=booths, recording=recording.recording, media=room.media_status.state,
        updated_at=time.time(),
    )


class LiveApi:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("GET", "/api/meetings/{meeting_id}/live", self.get_live,
                     "The meeting's live state, the same from every node", Access.READ,
                     {200: Reply("live state", LiveState)}, tag="live",
                     meeting_must_exist=True),
        ]

    async def get_live(self, call: Call) -> Response:
        meeting_id = call.param("meeting_id")
        cluster = self._hub.cluster
        room = self._hub.get(meeting_id)
        if room is not None:
            return json_response(snapshot(room, cluster.node_id if cluster else None))
        if cluster is not None:
            shared = await cluster.read_live(meeting_id)
            if shared is not None:
                return json_response(LiveState.model_validate(shared))
        return json_response(LiveState(meeting=meeting_id, open=False, updated_at=time.time()))


async def share_live_state(services: Services, interval: float = 1.0) -> None:
    """Publish the live state of this node's meetings (cluster only), and
    hand over meetings the cluster placed elsewhere meanwhile."""
    cluster = services.cluster
    if cluster is None:
        return
    while True:
        await asyncio.sleep(interval)
        for room in list(services.hub.rooms.values()):
            try:
                owner = await cluster.placement.owner(room.meeting.id)
                if owner is not None and owner != cluster.node_id:
                    await hand_over(services, room, owner)
                    continue
                state = snapshot(room, cluster.node_id)
                await cluster.publish_live(room.meeting.id, state.model_dump(mode="json"))
            except Exception:
                log.warning("sharing the live state of %s failed", room.meeting.id,
                            exc_info=True)


async def hand_over(services: Services, room: Room, owner: str) -> None:
    """Our heartbeat lapsed and another node took the meeting: our clients go
    there, so that the meeting never runs on two nodes at once."""
    cluster = services.cluster
    assert cluster is not None
    url = await cluster.node_url(owner)
    log.warning("meeting %s is now on node %s: handing over", room.meeting.id, owner)
    if url is not None:
        redirect = Redirect(url=websocket_url(url))
        for participant in list(room.participants.values()):
            participant.send(redirect)
            if participant.connection is not None:
                participant.connection.close(CLOSE_REDIRECT, "redirect")
    services.hub.rooms.pop(room.meeting.id, None)
    await room.close()
