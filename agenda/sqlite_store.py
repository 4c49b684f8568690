"""SQLite meeting store: the embedded default, one file in the data directory."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from agenda.model import Meeting
from agenda.store import AlreadyExists, Mutation, NotFound

SCHEMA_VERSION = 1
_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meetings (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    """,
}


class SqliteMeetingStore:
    """Meetings as validated JSON documents, one row each, versioned."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._lock = asyncio.Lock()
        self._migrate()

    def _migrate(self) -> None:
        current = self._db.execute("PRAGMA user_version").fetchone()[0]
        for version in range(current + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(None, (s.strip() for s in _MIGRATIONS[version].split(";"))):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={version}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    async def get(self, meeting_id: str) -> Meeting | None:
        row = self._db.execute(
            "SELECT document FROM meetings WHERE id = ?", (meeting_id,)
        ).fetchone()
        return None if row is None else Meeting.model_validate_json(row[0])

    async def list(self) -> list[Meeting]:
        rows = self._db.execute("SELECT document FROM meetings ORDER BY id").fetchall()
        return [Meeting.model_validate_json(r[0]) for r in rows]

    async def create(self, meeting: Meeting) -> Meeting:
        async with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO meetings (id, version, document) VALUES (?, ?, ?)",
                    (meeting.id, meeting.version, meeting.model_dump_json()),
                )
            except sqlite3.IntegrityError as exc:
                raise AlreadyExists(f"meeting {meeting.id!r}") from exc
        return meeting

    async def put(self, meeting: Meeting) -> Meeting:
        async with self._lock:
            self._db.execute(
                "INSERT INTO meetings (id, version, document) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
                "document = excluded.document",
                (meeting.id, meeting.version, meeting.model_dump_json()),
            )
        return meeting

    async def update(self, meeting_id: str, mutation: Mutation) -> Meeting:
        async with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT document FROM meetings WHERE id = ?", (meeting_id,)
                ).fetchone()
                if row is None:
                    raise NotFound(f"meeting {meeting_id!r}")
                current = Meeting.model_validate_json(row[0])
                changed = mutation(current)
                changed = Meeting.model_validate(
                    {**changed.model_dump(), "version": current.version + 1}
                )
                self._db.execute(
                    "UPDATE meetings SET version = ?, document = ?, "
                    "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                    (changed.version, changed.model_dump_json(), meeting_id),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return changed

    async def delete(self, meeting_id: str) -> None:
        async with self._lock:
            cursor = self._db.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))
            if cursor.rowcount == 0:
                raise NotFound(f"meeting {meeting_id!r}")

    async def close(self) -> None:
        self._db.close()
