"""Starting, stopping, finishing and recovering recordings."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from recordings.finalize import (
    Chapter,
    NothingRecorded,
    join_parts,
    remove_parts,
    write_sidecars,
)
from recordings.index import RecordingIndex
from recordings.journal import read_journal
from recordings.model import FileInfo, Recording, RecordingState
from recordings.recorder import Recorder
from recordings.writer import TrackSpec
from server.hub import Elsewhere, Hub, UnknownMeeting
from server.protocol import RecordingStatus
from server.room import Room

log = logging.getLogger(__name__)

RECOVERED_NOTE = (
    "recovered after the server stopped during the recording; "
    "the last seconds before the stop may be missing"
)


class RecordingError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class RecordingService:
    def __init__(self, root: Path, index: RecordingIndex, hub: Hub) -> None:
        self.root = root
        self.index = index
        self.hub = hub
        self.active: dict[str, Recorder] = {}
        self._lock = asyncio.Lock()
        hub.on_open.append(self._continue_after_move)

    @property
    def node(self) -> str | None:
        return self.hub.cluster.node_id if self.hub.cluster is not None else None

    def directory(self, recording: Recording) -> Path:
        return self.root / recording.meeting / recording.id

    # --- start and stop ------------------------------------------------------

    async def start(self, meeting_id: str, after: Recording | None = None) -> Recording:
        """Start recording a meeting (Elsewhere if another node hosts it);
        ``after``: the part this one continues."""
        try:
            room = await self.hub.open(meeting_id)
        except UnknownMeeting as exc:
            raise RecordingError(404, "not_found", f"no meeting {meeting_id!r}") from exc
        async with self._lock:
            if any(r.room is room for r in self.active.values()):
                raise RecordingError(409, "already_recording", "this meeting is being recorded")
            now = time.time()
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
            recording_id = f"rec-{stamp}-{secrets.token_hex(3)}"
            recording = Recording(
                id=recording_id, meeting=meeting_id, state=RecordingState.RECORDING,
                started_at=now, node=self.node,
                part=after.part + 1 if after else 1,
                series=(after.series or after.id) if after else None,
            )
            await self.index.put(recording)
            try:
                recorder = Recorder(recording_id, self.directory(recording), room, now)
            except Exception as exc:
                await self._failed(recording, exc)
                raise RecordingError(500, "recording_failed", f"cannot record: {exc}") from exc
            try:
                recorder.start()
            except Exception as exc:
                await recorder.stop()
                await self._failed(recording, exc)
                raise RecordingError(500, "recording_failed", f"cannot record: {exc}") from exc
            room.recorders[recording_id] = recorder
            self.active[recording_id] = recorder
            room.broadcast(RecordingStatus(active=True, recording=recording_id, started_at=now))
            log.info("recording %s of %s started", recording_id, meeting_id)
            return recording

    async def stop(self, recording_id: str) -> Recording:
        async with self._lock:
            recorder = self.active.pop(recording_id, None)
            recording = await self.index.get(recording_id)
            if recording is None:
                raise RecordingError(404, "not_found", f"no recording {recording_id!r}")
            if recorder is None:
                await self._elsewhere(recording)
                raise RecordingError(409, "not_recording", "this recording has stopped")
            recorder.room.recorders.pop(recording_id, None)
            await recorder.stop()
            recorder.room.broadcast(RecordingStatus(active=False, recording=None, started_at=None))
            self.hub.released(recorder.room)
        return await self._finish(recording, RecordingState.FINISHED, None)

    async def _failed(self, recording: Recording, exc: Exception) -> None:
        log.error("recording %s could not start: %s", recording.id, exc)
        await self.index.put(recording.model_copy(update={
            "state": RecordingState.FAILED, "note": f"could not start: {exc}"}))

    async def stop_all(self) -> None:
        for recording_id in list(self.active):
            try:
                await self.stop(recording_id)
            except Exception:
                log.exception("stopping recording %s failed", recording_id)

    # --- finishing -------------------------------------------------------------

    async def _finish(
        self, recording: Recording, state: RecordingState, note: str | None
    ) -> Recording:
        directory = self.directory(recording)
        events = read_journal(directory / "journal.jsonl")
        start = next((e for e in events if e["event"] == "start"), None)
        if start is None:
            failed = recording.model_copy(update={"state": RecordingState.FAILED,
                                                  "note": "no journal: nothing was recorded"})
            await self.index.put(failed)
            return failed
        specs = [TrackSpec(**t) for t in start["tracks"]]
        chapters = [Chapter(e["item"], e["title"], float(e["start"]))
                    for e in events if e["event"] == "chapter"]
        try:
            joined = await asyncio.to_thread(join_parts, directory, recording.id, specs, chapters)
        except NothingRecorded:
            # Stopped before the first packet: an outcome, not a fault.
            log.info("recording %s stopped before any media arrived", recording.id)
            await asyncio.to_thread(remove_parts, directory, specs)
            note = "nothing was recorded: stopped before any media arrived"
            failed = recording.model_copy(update={
                "state": RecordingState.FAILED, "duration": 0.0,
                # An interrupted part keeps what it says of its continuation.
                "note": f"{recording.note}; {note}" if recording.note else note})
            await self.index.put(failed)
            return failed
        except Exception as exc:
            log.exception("recording %s could not be finished", recording.id)
            failed = recording.model_copy(update={"state": RecordingState.FAILED,
                                                  "note": f"could not be finished: {exc}"})
            await self.index.put(failed)
            return failed
        stopped = next((e.get("at") for e in events if e["event"] == "stop"), None)
        finished = recording.model_copy(update={
            "state": state,
            "stopped_at": recording.started_at + (stopped if stopped else joined.duration),
            "duration": joined.duration,
            "size": joined.size,
            "tracks": joined.tracks,
            "chapters": joined.chapters,
            "note": note,
        })
        finished = finished.model_copy(update={"files": self._files(finished)})
        await asyncio.to_thread(write_sidecars, directory, joined,
                                finished.model_dump(mode="json"))
        await asyncio.to_thread(remove_parts, directory, specs)
        finished = finished.model_copy(update={"files": self._files(finished)})
        await self.index.put(finished)
        log.info("recording %s %s: %.1f s, %d bytes", recording.id, state.value,
                 joined.duration, joined.size)
        return finished

    def _files(self, recording: Recording) -> list[FileInfo]:
        directory = self.directory(recording)
        kinds = {f"{recording.id}.mkv": "recording", "chapters.vtt": "chapters-vtt",
                 "index.json": "index-json"}
        files = []
        for name, kind in kinds.items():
            path = directory / name
            if path.exists():
                files.append(FileInfo(name=name, kind=kind, size=path.stat().st_size,
                                      url=f"/api/recordings/{recording.id}/files/{name}"))
        exports = directory / "exports"
        if exports.is_dir():
            for path in sorted(exports.iterdir()):
                if path.suffix in (".webm", ".opus", ".ogg") and not path.name.endswith(".tmp"):
                    files.append(FileInfo(
                        name=f"exports/{path.name}", kind="export", size=path.stat().st_size,
                        url=f"/api/recordings/{recording.id}/files/exports/{path.name}"))
        return files

    async def recover(self) -> list[Recording]:
        """Make whole the recordings a crash left unfinished here (run at
        startup): their part files are on this node's disk."""
        recovered = []
        unfinished = (await self.index.in_state(RecordingState.RECORDING)
                      + await self.index.in_state(RecordingState.INTERRUPTED))
        for recording in unfinished:
            if recording.id in self.active or recording.node != self.node:
                continue
            log.warning("recovering recording %s of %s", recording.id, recording.meeting)
            note = recording.note if recording.state is RecordingState.INTERRUPTED else None
            try:
                recovered.append(await self._finish(
                    recording, RecordingState.RECOVERED,
                    RECOVERED_NOTE + (f"; {note}" if note else "")))
            except Exception as exc:  # one broken recording must not stop the server
                log.exception("recovering recording %s failed", recording.id)
                await self.index.put(recording.model_copy(update={
                    "state": RecordingState.FAILED, "note": f"could not be recovered: {exc}"}))
        return recovered

    async def _elsewhere(self, recording: Recording) -> None:
        """A recording made by another live node is stopped there."""
        cluster = self.hub.cluster
        if (
            cluster is not None
            and recording.state is RecordingState.RECORDING
            and recording.node not in (None, cluster.node_id)
        ):
            url = await cluster.node_url(recording.node or "")
            if url is not None:
                raise Elsewhere(url)

    async def _continue_after_move(self, room: Room, moved_from: str | None) -> None:
        """A meeting came here from a node that died while recording it: the
        recording goes on, as its next part."""
        cluster = self.hub.cluster
        if cluster is None:
            return
        for previous in await self.index.of_meeting(room.meeting.id):
            if (
                previous.state is not RecordingState.RECORDING
                or previous.node in (None, cluster.node_id)
                or await cluster.node_alive(previous.node or "")
            ):
                continue
            current = await self.start(room.meeting.id, after=previous)
            await self.index.put(previous.model_copy(update={
                "state": RecordingState.INTERRUPTED,
                "note": f"node {previous.node} stopped; continued in part {current.part} "
                        f"({current.id})",
            }))
            log.warning("recording %s continues as %s on this node", previous.id, current.id)

    async def get(self, recording_id: str) -> Recording:
        recording = await self.index.get(recording_id)
        if recording is None:
            raise RecordingError(404, "not_found", f"no recording {recording_id!r}")
        if recording.state is RecordingState.RECORDING and recording_id in self.active:
            recorder = self.active[recording_id]
            recording = recording.model_copy(update={
                "duration": round(time.time() - recorder.started_at, 1),
                "size": sum(w.path.stat().st_size for w in recorder.writers
                            if w.path.exists()),
            })
        return recording.model_copy(update={"files": self._files(recording)})

    async def of_meeting(self, meeting_id: str) -> list[Recording]:
        return [await self.get(r.id) for r in await self.index.of_meeting(meeting_id)]
