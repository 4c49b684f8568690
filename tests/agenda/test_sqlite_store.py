"""The SQLite store: migrations, transactions, versions, durability."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
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
from agenda.store import AlreadyExists, Mutation, NotFound, StaleWrite
from agenda.versions import expect_item, expect_meeting


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteMeetingStore]:
    store = SqliteMeetingStore(tmp_path / "silkhall.sqlite")
    await store.create(demo_meeting())
    yield store
    await store.close()


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


async def test_create_get_list_delete(store: SqliteMeetingStore) -> None:
    with pytest.raises(AlreadyExists):
        await store.create(demo_meeting())
    other = demo_meeting().model_copy(update={"id": "earlier", "version": 9})
    other = other.model_copy(update={"start": other.start.replace(year=2019),
                                      "end": other.end.replace(year=2019), "items": []})
    created = await store.create(other)
    assert created.version == 1  # a new meeting starts at 1 whatever it claims
    assert [m.id for m in await store.list()] == ["earlier", "demo"]
    with pytest.raises(StaleWrite):
        await store.delete("earlier", expected_version=2)
    await store.delete("earlier", expected_version=1)
    assert await store.get("earlier") is None
    with pytest.raises(NotFound):
        await store.delete("earlier")


async def test_update_bumps_meeting_and_only_changed_items(store: SqliteMeetingStore) -> None:
    def retitle(meeting: Meeting) -> Meeting:
        items = [
            i.model_copy(update={"title": {"en": "Keynote"}}) if i.id == "keynote" else i
            for i in meeting.items
        ]
        return meeting.model_copy(update={"items": items})

    updated = await store.update("demo", retitle)
    assert updated.version == 2
    versions = {i.id: i.version for i in updated.items}
    assert versions["keynote"] == 2
    assert {v for k, v in versions.items() if k != "keynote"} == {1}
    assert await store.get("demo") == updated


async def test_stale_meeting_write_carries_the_current_meeting(
    store: SqliteMeetingStore,
) -> None:
    await store.update("demo", lambda m: m.model_copy(update={"chair": "A"}))
    def based_on_version_1(meeting: Meeting) -> Meeting:
        expect_meeting(meeting, 1)
        return meeting

    with pytest.raises(StaleWrite) as caught:
        await store.update("demo", based_on_version_1)
    assert caught.value.current_version == 2
    assert isinstance(caught.value.current, Meeting)
    assert caught.value.current.chair == "A"


async def test_item_versions_let_edits_of_other_items_through(
    store: SqliteMeetingStore,
) -> None:
    def edit(item_id: str, expected: int, title: str) -> Mutation:
        def mutation(meeting: Meeting) -> Meeting:
            item = expect_item(meeting, item_id, expected)
            items = [
                item.model_copy(update={"title": {"en": title}}) if i.id == item_id else i
                for i in meeting.items
            ]
            return meeting.model_copy(update={"items": items})

        return mutation

    # Two editors loaded version 1 of everything; each edits another item.
    await asyncio.gather(
        store.update("demo", edit("keynote", 1, "K")),
        store.update("demo", edit("nanchong", 1, "N")),
    )
    final = await store.get("demo")
    assert final is not None and final.version == 3
    assert final.item("keynote").title == {"en": "K"}  # type: ignore[union-attr]
    assert final.item("nanchong").title == {"en": "N"}  # type: ignore[union-attr]
    # A third editor still holding keynote version 1 is refused.
    with pytest.raises(StaleWrite) as caught:
        await store.update("demo", edit("keynote", 1, "lost"))
    assert caught.value.current_version == 2
    assert caught.value.current.title == {"en": "K"}  # type: ignore[attr-defined]


async def test_a_failed_mutation_changes_nothing(store: SqliteMeetingStore) -> None:
    def boom(meeting: Meeting) -> Meeting:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await store.update("demo", boom)
    current = await store.get("demo")
    assert current is not None and current.version == 1
    with pytest.raises(NotFound):
        await store.update("nope", lambda m: m)


async def test_two_connections_never_lose_an_update(tmp_path: Path) -> None:
    # Two stores on one file stand for two processes sharing the database.
    path = tmp_path / "shared.sqlite"
    one, two = SqliteMeetingStore(path), SqliteMeetingStore(path)
    await one.create(demo_meeting().model_copy(update={"hosts": []}))

    def add_host(name: str) -> Mutation:
        return lambda m: m.model_copy(update={"hosts": [*m.hosts, name]})

    await asyncio.gather(
        *(
            (one if n % 2 else two).update("demo", add_host(f"h{n}"))
            for n in range(20)
        )
    )
    final = await one.get("demo")
    assert final is not None
    assert sorted(final.hosts) == sorted(f"h{n}" for n in range(20))
    assert final.version == 21
    await one.close()
    await two.close()


async def test_put_keeps_versions_growing(store: SqliteMeetingStore) -> None:
    await store.update("demo", lambda m: m.model_copy(update={
        "items": [i.model_copy(update={"duration": 300}) if i.id == "opening" else i
                  for i in m.items]}))
    restored = await store.put(demo_meeting())
    assert restored.version == 3
    # The reset changed "opening" back: its version moves on rather than back to 1.
    assert restored.item("opening").version == 3  # type: ignore[union-attr]


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
