"""Media played into a meeting (the chair's video items, uploads), feed
muting, and venues' status for the chair."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from agenda.http import ApiError, Call, declared_over, json_response
from agenda.openapi import Access, Endpoint, Reply
from agenda.schemas import ErrorBody
from server.auth.roles import Permission, Role
from server.auth.tokens import Grant
from server.hub import Hub
from server.media.codecs import CodecStats
from server.media.player import MediaPlayer
from server.participant import Participant, Transport
from server.protocol import (
    ErrorCode,
    MediaPlay,
    MediaStatus,
    MuteFeed,
    ProtocolError,
    VenueStatus,
    VenueStatusInfo,
)
from server.room import Room

log = logging.getLogger(__name__)

MAX_UPLOAD = 2 * 1024**3
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$")
MEETING_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")  # agenda.model.Identifier
MEDIA = "/api/meetings/{meeting_id}/media"


class MediaFile(BaseModel):
    name: str
    size: int


class MediaList(BaseModel):
    files: list[MediaFile]


class Playback:
    """One player per meeting at most; its sources join the floor."""

    def __init__(self, data_dir: Path, hub: Hub, stats: CodecStats) -> None:
        self.root = data_dir / "media"
        self.hub = hub
        self.stats = stats
        self.players: dict[str, tuple[MediaPlayer, Participant, MediaStatus]] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        # One start or stop at a time per meeting (two chairs pressing play).
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, meeting_id: str) -> asyncio.Lock:
        return self._locks.setdefault(meeting_id, asyncio.Lock())

    def directory(self, meeting_id: str) -> Path:
        if not MEETING_ID.fullmatch(meeting_id):
            raise ApiError(404, "not_found", f"no meeting {meeting_id!r}")
        return self.root / meeting_id

    # --- chair messages ---------------------------------------------------------

    def register(self, add: Any) -> None:
        add("media_play", Permission.CHAIR, self._play)
        add("media_pause", Permission.CHAIR, self._pause)
        add("media_resume", Permission.CHAIR, self._resume)
        add("media_stop", Permission.CHAIR, self._stop)
        add("mute_feed", Permission.CHAIR, self._mute)

    async def _play(self, session: Any, chair: Participant, room: Room, msg: MediaPlay) -> None:
        name = msg.file
        if msg.item is not None:
            item = room.meeting.item(msg.item)
            if item is None:
                raise ProtocolError(ErrorCode.NOT_FOUND, f"no agenda item {msg.item!r}",
                                    field="item")
            if not item.media:
                raise ProtocolError(ErrorCode.NOT_FOUND, "that item has no media file",
                                    field="item")
            name = item.media
        if not name or not SAFE_NAME.fullmatch(name):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "give an item or a file name",
                                field="file")
        path = self.directory(room.meeting.id) / name
        if not path.is_file():
            raise ProtocolError(
                ErrorCode.NOT_FOUND,
                f"no media file {name!r}: upload it with PUT {MEDIA}/{{name}}",
                field="file",
            )
        async with self._lock(room.meeting.id):
            await self._stop_unlocked(room)
            await self.play(room, path, msg.item)

    async def play(self, room: Room, path: Path, item: str | None = None) -> MediaStatus:
        try:
            identity = f"media-{secrets.token_hex(3)}"
            title = f"▶ {path.stem}"
            grant = Grant(meeting=room.meeting.id, identity=identity, name=title, role=Role.VENUE)
            participant = Participant(identity, grant, Transport.MEDIA)
            player = MediaPlayer(path, participant.mic, participant.camera, self.stats)
        except Exception as exc:
            raise ProtocolError(ErrorCode.BAD_STATE, f"cannot play {path.name}: {exc}") from exc
        status = MediaStatus(state="playing", participant=identity, title=path.stem,
                             file=path.name, item=item, duration=round(player.duration, 1),
                             transcoded=not player.passthrough)
        self.players[room.meeting.id] = (player, participant, status)
        room.add(participant)
        player.start()
        self._announce(room, status)
        watcher = asyncio.ensure_future(self._watch(room, player, participant))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return status

    async def _watch(self, room: Room, player: MediaPlayer, participant: Participant) -> None:
        await player.done.wait()
        async with self._lock(room.meeting.id):
            entry = self.players.get(room.meeting.id)
            if entry is not None and entry[0] is player:
                await self._stop_unlocked(room)
            elif participant.id in room.participants:
                await room.remove(participant.id, "playback ended")  # never a ghost
                self.hub.released(room)

    async def _pause(self, session: Any, chair: Participant, room: Room, msg: Any) -> None:
        self._control(room, "pause")

    async def _resume(self, session: Any, chair: Participant, room: Room, msg: Any) -> None:
        self._control(room, "resume")

    def _control(self, room: Room, action: str) -> None:
        entry = self.players.get(room.meeting.id)
        if entry is None:
            raise ProtocolError(ErrorCode.BAD_STATE, "nothing is playing")
        player, participant, status = entry
        player.pause() if action == "pause" else player.resume()
        state = "paused" if player.state == "paused" else "playing"
        status = status.model_copy(update={"state": state, "position": round(player.position, 1)})
        self.players[room.meeting.id] = (player, participant, status)
        self._announce(room, status)

    async def _stop(self, session: Any, chair: Participant, room: Room, msg: Any) -> None:
        if room.meeting.id not in self.players:
            raise ProtocolError(ErrorCode.BAD_STATE, "nothing is playing")
        await self.stop(room)

    async def stop(self, room: Room) -> None:
        async with self._lock(room.meeting.id):
            await self._stop_unlocked(room)

    async def _stop_unlocked(self, room: Room) -> None:
        entry = self.players.pop(room.meeting.id, None)
        if entry is None:
            return
        player, participant, _ = entry
        await player.stop()
        await room.remove(participant.id, "playback ended")
        self._announce(room, MediaStatus(state="idle"))
        self.hub.released(room)  # the room may now be empty: let it close

    @staticmethod
    def _announce(room: Room, status: MediaStatus) -> None:
        room.media_status = status  # what joiners are told
        room.broadcast(status)

    def status(self, room: Room) -> MediaStatus:
        entry = self.players.get(room.meeting.id)
        if entry is None:
            return MediaStatus(state="idle")
        player, _, status = entry
        return status.model_copy(update={"position": round(player.position, 1)})

    async def _mute(self, session: Any, chair: Participant, room: Room, msg: MuteFeed) -> None:
        target = room.participants.get(msg.participant)
        if target is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"no participant {msg.participant!r}",
                                field="participant")
        if not target.can(Permission.FEED_FLOOR):
            raise ProtocolError(ErrorCode.BAD_STATE, "only a venue's feed or media is muted "
                                "this way", field="participant")
        target.muted_by_chair = msg.muted
        room.updated(target)

    # --- venues' status ---------------------------------------------------------

    async def venue_status(self, room: Room) -> VenueStatus:
        venues = []
        for participant in room.participants.values():
            if participant.role is not Role.VENUE:
                continue
            loss, rtt = await _link_quality(participant)
            venues.append(VenueStatusInfo(
                participant=participant.id, venue=participant.venue, name=participant.name,
                transport=participant.transport.value,
                media=participant.peer.state if participant.peer else "none",
                level_dbfs=round(-participant.mic.level, 1), packet_loss=loss, rtt_ms=rtt,
                on_floor=participant.on_floor, feed_muted=participant.muted_by_chair,
                listening=participant.listen,
            ))
        return VenueStatus(venues=venues)

    async def report_venues(self) -> None:
        """Every second, tell each meeting's chairs how its venues are doing."""
        while True:
            await asyncio.sleep(1.0)
            for room in list(self.hub.rooms.values()):
                chairs = [p for p in room.participants.values() if p.can(Permission.CHAIR)]
                if not chairs:
                    continue
                try:
                    status = await self.venue_status(room)
                except Exception:
                    log.exception("venue status of %s failed", room.meeting.id)
                    continue
                for chair in chairs:
                    chair.send(status)

    # --- REST: media files -------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("GET", MEDIA, self.list_media, "Media files of a meeting", Access.READ,
                     {200: Reply("files", MediaList)}, tag="media", meeting_must_exist=True),
            Endpoint("PUT", MEDIA + "/{name}", self.upload_media,
                     "Upload a media file to play into the meeting (the raw file as the body)",
                     Access.MANAGE,
                     {201: Reply("stored", MediaFile),
                      400: Reply("bad_name: a file name other than letters, digits, '.', '_', "
                                 "'-' and spaces", ErrorBody),
                      413: Reply("too_large: the file is larger than 2 GiB", ErrorBody)},
                     patterns={"name": SAFE_NAME.pattern},
                     raw_body="application/octet-stream", tag="media",
                     meeting_must_exist=True),
        ]

    async def list_media(self, call: Call) -> Response:
        directory = self.directory(call.param("meeting_id"))
        files = sorted(directory.iterdir()) if directory.is_dir() else []
        return json_response(MediaList(files=[
            MediaFile(name=f.name, size=f.stat().st_size) for f in files
            if f.is_file() and not f.name.endswith(".part")
        ]))

    async def upload_media(self, call: Call) -> Response:
        name = call.param("name")
        if not SAFE_NAME.fullmatch(name):
            raise ApiError(400, "bad_name", "letters, digits, '.', '_', '-' and spaces only",
                           field="name")
        meeting_id = call.param("meeting_id")
        if await self.hub.store.get(meeting_id) is None:
            raise ApiError(404, "not_found", f"no meeting {meeting_id!r}")
        if declared_over(call.request, MAX_UPLOAD):  # refused before a byte is stored
            raise ApiError(413, "too_large", f"files up to {MAX_UPLOAD} bytes")
        directory = self.directory(meeting_id)
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        temporary = directory / f"{name}.part"
        size = 0
        handle = await asyncio.to_thread(temporary.open, "wb")
        try:
            async for chunk in call.request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise ApiError(413, "too_large", f"files up to {MAX_UPLOAD} bytes")
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(temporary.replace, directory / name)
        finally:
            handle.close()
            temporary.unlink(missing_ok=True)  # an interrupted upload leaves nothing
        return json_response(MediaFile(name=name, size=size), 201)


async def _link_quality(participant: Participant) -> tuple[float | None, float | None]:
    """Packet loss of the feed and round-trip time, from RTCP statistics."""
    peer = participant.peer
    if peer is None:
        return None, None
    loss: float | None = None
    rtt: float | None = None
    for line in peer.receive_lines:
        if line.use != "mic":
            continue
        for stat in (await line.transceiver.receiver.getStats()).values():
            if stat.type == "inbound-rtp":
                received = stat.packetsReceived or 0
                lost = max(0, stat.packetsLost or 0)
                loss = round(lost / (received + lost), 4) if received + lost else 0.0
    for slot in peer.send_slots:
        for stat in (await slot.transceiver.sender.getStats()).values():
            if stat.type == "remote-inbound-rtp" and stat.roundTripTime is not None:
                rtt = round(stat.roundTripTime * 1000, 1)
    return loss, rtt
