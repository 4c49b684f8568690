"""The SQLite store's own part: migrations and durability (the contract it
shares with the Redis store is in test_store_contract.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agenda.demo import demo_meeting
from agenda.model import Meeting
from agenda.sqlite_store import (
    SCHEMA_VERSION,
    SchemaTooNew,
    SqliteMeetingStore,
    connect,
    migrate,
    schema_version,
)


def columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(meetings)")}


def test_migrates_an_empty_database(tmp_path: Path) -> None:
    db = connect(tmp_path / "db.sqlite")
    assert schema_version(db) == 0
    assert migrate(db) == SCHEMA_VERSION == 2
    assert {"id", "version", "document", "start_utc", "end_utc"} <= columns(db)
    assert migrate(db) == SCHEMA_VERSION  # a second run is a no-op
    db.close()


async def test_migrates_a_v1_database_and_keeps_its_meetings(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = connect(path)
    assert migrate(db, target=1) == 1
    assert "start_utc" not in columns(db)
    meeting = demo_meeting()
    db.execute(
        "INSERT INTO meetings (id, version, document) VALUES (?, ?, ?)",
        (meeting.id, 3, meeting.model_copy(update={"version": 3}).model_dump_json()),
    )
    db.close()

    store = SqliteMeetingStore(path)
    try:
        loaded = await store.get("demo")
        assert loaded is not None and loaded.version == 3
        assert loaded.items == meeting.items
        check = sqlite3.connect(path)
        assert schema_version(check) == SCHEMA_VERSION
        row = check.execute("SELECT start_utc, end_utc FROM meetings").fetchone()
        assert row == ("2020-11-20T13:00:00Z", "2020-11-20T15:30:00Z")
        check.close()
    finally:
        await store.close()


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    db = connect(tmp_path / "db.sqlite")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew):
        migrate(db)
    db.close()


def test_an_acknowledged_write_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "kill.sqlite"
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from pathlib import Path
        from agenda.demo import demo_meeting
        from agenda.sqlite_store import SqliteMeetingStore

        async def main():
            store = SqliteMeetingStore(Path({str(path)!r}))
            await store.create(demo_meeting())
            for n in range(5):
                await store.update("demo", lambda m: m.model_copy(update={{"chair": f"c{{n}}"}}))
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert done.returncode == -9
    db = sqlite3.connect(path)
    version, document = db.execute("SELECT version, document FROM meetings").fetchone()
    db.close()
    assert version == 6
    assert Meeting.model_validate_json(document).chair == "c4"
