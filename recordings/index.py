"""The recordings index: what was recorded, where, in which state."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Protocol

from recordings.model import Recording, RecordingState


class RecordingIndex(Protocol):
    async def put(self, recording: Recording) -> None: ...

    async def get(self, recording_id: str) -> Recording | None: ...

    async def of_meeting(self, meeting_id: str) -> list[Recording]: ...

    async def in_state(self, state: RecordingState) -> list[Recording]: ...

    async def close(self) -> None: ...


class SqliteRecordingIndex:
    """One row per recording in ``recordings.sqlite`` (WAL, synchronous=FULL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS recordings (id TEXT PRIMARY KEY, meeting TEXT NOT NULL,"
            " state TEXT NOT NULL, started_at REAL NOT NULL, document TEXT NOT NULL)"
        )
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS recordings_meeting ON recordings (meeting, started_at)"
        )
        self._lock = asyncio.Lock()

    async def put(self, recording: Recording) -> None:
        async with self._lock:
            self._db.execute(
                "INSERT INTO recordings (id, meeting, state, started_at, document) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
                "document = excluded.document",
                (recording.id, recording.meeting, recording.state.value, recording.started_at,
                 recording.model_dump_json()),
            )

    async def get(self, recording_id: str) -> Recording | None:
        row = self._db.execute(
            "SELECT document FROM recordings WHERE id = ?", (recording_id,)
        ).fetchone()
        return None if row is None else Recording.model_validate_json(row[0])

    async def of_meeting(self, meeting_id: str) -> list[Recording]:
        rows = self._db.execute(
            "SELECT document FROM recordings WHERE meeting = ? ORDER BY started_at",
            (meeting_id,),
        ).fetchall()
        return [Recording.model_validate_json(r[0]) for r in rows]

    async def in_state(self, state: RecordingState) -> list[Recording]:
        rows = self._db.execute(
            "SELECT document FROM recordings WHERE state = ?", (state.value,)
        ).fetchall()
        return [Recording.model_validate_json(r[0]) for r in rows]

    async def close(self) -> None:
        self._db.close()
