"""The recorder: a participant of the meeting's media plane like any
subscriber (as Galène's disk writer is a client of its group). It takes one
down track per recorded stream (the floor, each language channel, the active
speaker's video) and writes what arrives, encoded as received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from agenda.languages import endonym, iso639_2
from agenda.model import AgendaItem
from recordings.clock import TrackClock
from recordings.journal import Journal
from recordings.writer import TrackSpec, TrackWriter
from server.media.tracks import DownTrack, Source
from server.room import Room

log = logging.getLogger(__name__)

SPEAKER_POLL = 0.25  # s between checks of whose video to record


def track_specs(languages: list[str]) -> list[TrackSpec]:
    specs = [TrackSpec("floor", "audio", "mul", "Floor", original=True, default=True)]
    specs += [
        TrackSpec(code, "audio", iso639_2(code), f"{endonym(code)} — interpretation")
        for code in languages
    ]
    specs.append(TrackSpec("video", "video", "und", "Active speaker"))
    return specs


class Recorder:
    def __init__(self, recording_id: str, directory: Path, room: Room, started_at: float) -> None:
        self.id = recording_id
        self.directory = directory
        self.room = room
        self.started_at = started_at  # Unix time, for people
        self.origin = time.monotonic()  # the timeline's zero, for packets
        self.specs = track_specs(room.meeting.languages)
        directory.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(directory / "journal.jsonl")
        self.journal.write(
            "start", id=recording_id, meeting=room.meeting.id, started_at=started_at,
            tracks=[{"key": s.key, "kind": s.kind, "language": s.language, "title": s.title,
                     "original": s.original, "default": s.default} for s in self.specs],
        )
        self._tasks: list[asyncio.Task[None]] = []
        # Disk writes go to one thread, in order: a slow disk must not stall
        # the event loop that forwards everyone's media.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"rec-{recording_id}")
        self._video: DownTrack | None = None
        self._tracks: list[DownTrack] = []
        self.writers: list[TrackWriter] = []
        self.chapter_count = 0
        self._chapter_item: str | None = None

    def start(self) -> None:
        for spec in self.specs:
            writer = TrackWriter(self.directory / spec.part_name(), spec)
            self.writers.append(writer)
            track = DownTrack(spec.kind, capacity=512)
            self._tracks.append(track)
            if spec.kind == "audio":
                track.attach(self.room.channel_source(spec.key))
            else:
                self._video = track
            rate = 48000 if spec.kind == "audio" else 90000
            clock = TrackClock(rate, self.origin)
            self._tasks.append(asyncio.ensure_future(self._pump(track, writer, clock)))
        self._tasks.append(asyncio.ensure_future(self._follow_speaker()))
        item = self.room.live.current_item()
        if item is not None:
            self.chapter(item)

    async def _pump(self, track: DownTrack, writer: TrackWriter, clock: TrackClock) -> None:
        try:
            while True:
                packet: Any = await track.recv()
                position = clock.place(packet.pts, packet.arrival, packet.duration)
                if position is not None:
                    self._io.submit(writer.write, packet.data, position, packet.keyframe
                                    ).add_done_callback(self._report)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("recording %s: track %s stopped", self.id, writer.spec.key)

    async def _follow_speaker(self) -> None:
        while True:
            await asyncio.sleep(SPEAKER_POLL)
            if self._video is not None:
                self._video.attach(self.speaker_video())

    def speaker_video(self) -> Source | None:
        """The active speaker's camera, or any floor participant's."""
        room = self.room
        speaker = room.participants.get(room.active_speaker or "")
        candidates = [speaker] if speaker is not None else []
        candidates += room.floor_participants()
        for participant in candidates:
            if participant.camera_on and participant.camera.packets > 0:
                return participant.camera
        return None

    def _report(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            log.error("recording %s: a write failed: %s", self.id, error)

    def chapter(self, item: AgendaItem) -> None:
        if item.id == self._chapter_item:
            return  # the same item announced again (a restart, a goto to itself)
        self._chapter_item = item.id
        title = item.title.get(self.room.meeting.first_language()) or next(
            iter(item.title.values())
        )
        self._io.submit(
            self.journal.write, "chapter", item=item.id, title=title,
            start=round(time.monotonic() - self.origin, 3),
        ).add_done_callback(self._report)
        self.chapter_count += 1

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for track in self._tracks:
            track.stop()
        at = round(time.monotonic() - self.origin, 3)
        await asyncio.to_thread(self._io.shutdown, wait=True)
        await asyncio.to_thread(self._close_files, at)

    def _close_files(self, at: float) -> None:
        for writer in self.writers:
            with contextlib.suppress(Exception):
                writer.close()
        self.journal.write("stop", at=at)
        self.journal.close()
