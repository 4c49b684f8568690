"""SQLite meeting store: the embedded default, one file in the data directory.

Each meeting is one validated JSON document in one row. Every write runs in
its own ``BEGIN IMMEDIATE`` transaction, so a read-check-write (``update``)
cannot interleave with another writer, in this process or another one. With
WAL and ``synchronous=FULL`` a write is on disk when its COMMIT returns: an
acknowledged write survives the process being killed right after.

All database work runs on one worker thread, off the event loop: a COMMIT
waits for an fsync, and the media plane shares the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from agenda.model import Meeting
from agenda.store import AlreadyExists, Mutation, NotFound, StaleWrite
from agenda.versions import expect_meeting, next_versions

T = TypeVar("T")


class SchemaTooNew(RuntimeError):
    """The database was written by a newer silkhall; refuse rather than damage it."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema; ``apply`` runs inside the step's transaction."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _v1_meetings(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE meetings (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            document TEXT NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )
        """
    )


def _v2_period_columns(db: sqlite3.Connection) -> None:
    # Listing by date without parsing every document. Migrations read the raw
    # JSON, not the current model, so they keep working as the model evolves.
    db.execute("ALTER TABLE meetings ADD COLUMN start_utc TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE meetings ADD COLUMN end_utc TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, document FROM meetings").fetchall()
    for ident, document in rows:
        data = json.loads(document)
        db.execute(
            "UPDATE meetings SET start_utc = ?, end_utc = ? WHERE id = ?",
            (str(data.get("start", "")), str(data.get("end", "")), ident),
        )
    db.execute("CREATE INDEX meetings_by_start ON meetings (start_utc, id)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "meetings as JSON documents", _v1_meetings),
    Migration(2, "meeting start and end columns, index by start", _v2_period_columns),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls back and propagates.

    IMMEDIATE takes the write lock up front, so a read inside the transaction
    sees the row no other writer can change before our COMMIT.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target``, one transaction per step; the version
    reached. Safe when several processes open the same file at once."""
    if schema_version(db) > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"database schema {schema_version(db)} is newer than this silkhall "
            f"({SCHEMA_VERSION})"
        )
    for step in MIGRATIONS:
        if step.version > target:
            break
        with transaction(db):
            # Re-read under the write lock: another process may have migrated.
            if schema_version(db) >= step.version:
                continue
            step.apply(db)
            db.execute(f"PRAGMA user_version={step.version:d}")
    return schema_version(db)


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the durability settings every silkhall store uses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA busy_timeout=5000")
    return db


class SqliteMeetingStore:
    """Meetings as validated JSON documents, one row each, versioned."""

    def __init__(self, path: Path) -> None:
        self._db = connect(path)
        migrate(self._db)
        # One thread owns the connection from now on: calls are serialised,
        # so a transaction never interleaves with another call of this store.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="silkhall-sqlite")
        self._closed = False

    async def _run(self, call: Callable[[], T]) -> T:
        if self._closed:
            raise RuntimeError("the meeting store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._worker, call)

    # --- reads ---------------------------------------------------------------

    def _read(self, meeting_id: str) -> Meeting | None:
        row = self._db.execute(
            "SELECT document FROM meetings WHERE id = ?", (meeting_id,)
        ).fetchone()
        return None if row is None else Meeting.model_validate_json(row[0])

    async def get(self, meeting_id: str) -> Meeting | None:
        return await self._run(lambda: self._read(meeting_id))

    async def list(self) -> list[Meeting]:
        """Every meeting, earliest first."""

        def read_all() -> list[Meeting]:
            rows = self._db.execute(
                "SELECT document FROM meetings ORDER BY start_utc, id"
            ).fetchall()
            return [Meeting.model_validate_json(r[0]) for r in rows]

        return await self._run(read_all)

    # --- writes --------------------------------------------------------------

    def _write(self, meeting: Meeting) -> None:
        # The columns hold the same text as the document's fields.
        period = meeting.model_dump(mode="json", include={"start", "end"})
        self._db.execute(
            "INSERT INTO meetings (id, version, document, start_utc, end_utc) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "version = excluded.version, document = excluded.document, "
            "start_utc = excluded.start_utc, end_utc = excluded.end_utc, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (
                meeting.id,
                meeting.version,
                meeting.model_dump_json(),
                period["start"],
                period["end"],
            ),
        )

    async def create(self, meeting: Meeting) -> Meeting:
        """Store a new meeting at version 1; AlreadyExists if the id is taken."""

        def create() -> Meeting:
            with transaction(self._db):
                if self._read(meeting.id) is not None:
                    raise AlreadyExists(f"meeting {meeting.id!r}")
                stored = _revalidated(next_versions(None, meeting))
                self._write(stored)
            return stored

        return await self._run(create)

    async def put(self, meeting: Meeting) -> Meeting:
        """Create or replace unconditionally (seeding, imports). Versions
        continue from the stored ones, so older copies stay stale."""

        def put() -> Meeting:
            with transaction(self._db):
                stored = _revalidated(next_versions(self._read(meeting.id), meeting))
                self._write(stored)
            return stored

        return await self._run(put)

    async def update(self, meeting_id: str, mutation: Mutation) -> Meeting:
        """Apply ``mutation`` to the current meeting inside one transaction and
        store its result with versions bumped (see :mod:`agenda.versions`).
        The mutation raises StaleWrite (or any exception) to abort."""

        def update() -> Meeting:
            with transaction(self._db):
                current = self._read(meeting_id)
                if current is None:
                    raise NotFound(f"meeting {meeting_id!r}")
                changed = mutation(current)
                if changed.id != meeting_id:
                    raise ValueError("a mutation cannot change the meeting's id")
                stored = _revalidated(next_versions(current, changed))
                self._write(stored)
            return stored

        return await self._run(update)

    async def delete(self, meeting_id: str, expected_version: int | None = None) -> None:
        """Delete; NotFound if absent, StaleWrite if ``expected_version`` is
        given and is not the stored one."""

        def delete() -> None:
            with transaction(self._db):
                current = self._read(meeting_id)
                if current is None:
                    raise NotFound(f"meeting {meeting_id!r}")
                expect_meeting(current, expected_version)
                self._db.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))

        await self._run(delete)

    async def close(self) -> None:
        if self._closed:
            return
        await self._run(self._db.close)
        self._closed = True
        self._worker.shutdown(wait=True)


def _revalidated(meeting: Meeting) -> Meeting:
    # Mutations may build meetings with model_copy, which skips validation.
    return Meeting.model_validate(meeting.model_dump())


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "SchemaTooNew",
    "SqliteMeetingStore",
    "StaleWrite",
    "connect",
    "migrate",
    "schema_version",
    "transaction",
]
