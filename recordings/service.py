"""Starting, stopping, finishing and recovering recordings."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from recordings.finalize import Chapter, join_parts, remove_parts, write_sidecars
from recordings.index import RecordingIndex
from recordings.journal import read_journal
from recordings.model import FileInfo, Recording, RecordingState
from recordings.recorder import Recorder
from recordings.writer import TrackSpec
from server.hub import Hub
from server.protocol import RecordingStatus

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

    def directory(self, recording: Recording) -> Path:
        return self.root / recording.meeting / recording.id

    # --- start and stop ------------------------------------------------------

    async def start(self, meeting_id: str) -> Recording:
        async with self._lock:
            room = await self.hub.open(meeting_id)
            if any(r.room is room for r in self.active.values()):
                raise RecordingError(409, "already_recording", "this meeting is being recorded")
            now = time.time()
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
            recording_id = f"rec-{stamp}-{secrets.token_hex(3)}"
            recording = Recording(
                id=recording_id, meeting=meeting_id, state=RecordingState.RECORDING,
                started_at=now,
            )
            await self.index.put(recording)
            recorder = Recorder(recording_id, self.directory(recording), room, now)
            recorder.start()
            room.recorders[recording_id] = recorder
            self.active[recording_id] = recorder
            room.broadcast(RecordingStatus(active=True, recording=recording_id, started_at=now))
            log.info("recording %s of %s started", recording_id, meeting_id)
            return recording

    async def stop(self, recording_id: str) -> Recording:
        async with self._lock:
            recorder = self.active.pop(recording_id, None)
            recording = await self.index.get(recording_id)
            if recorder is None or recording is None:
                if recording is not None:
                    raise RecordingError(409, "not_recording", "this recording has stopped")
                raise RecordingError(404, "not_found", f"no recording {recording_id!r}")
            recorder.room.recorders.pop(recording_id, None)
            await recorder.stop()
            recorder.room.broadcast(RecordingStatus(active=False, recording=None, started_at=None))
            self.hub.released(recorder.room)
        return await self._finish(recording, RecordingState.FINISHED, None)

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
        """Make whole the recordings a crash left unfinished (run at startup)."""
        recovered = []
        for recording in await self.index.in_state(RecordingState.RECORDING):
            if recording.id in self.active:
                continue
            log.warning("recovering recording %s of %s", recording.id, recording.meeting)
            recovered.append(await self._finish(recording, RecordingState.RECOVERED,
                                                RECOVERED_NOTE))
        return recovered

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
