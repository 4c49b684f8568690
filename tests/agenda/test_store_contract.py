"""The contract of a meeting store, held by both backends: SQLite (the
embedded default) and Redis (a cluster, on a real redis-server). Versions,
stale writes, atomic updates and concurrent writers behave the same on both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agenda.demo import demo_meeting
from agenda.model import Meeting
from agenda.redis_store import RedisMeetingStore
from agenda.sqlite_store import SqliteMeetingStore
from agenda.store import AlreadyExists, MeetingStore, Mutation, NotFound, StaleWrite
from agenda.versions import expect_item, expect_meeting
from tests.support.cluster import redis_clients


@dataclass
class Backend:
    """Opens stores on one shared database; each store has its own connection."""

    open: Callable[[], MeetingStore]


@pytest.fixture(params=["sqlite", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend(lambda: SqliteMeetingStore(tmp_path / "silkhall.sqlite"))
        return
    # RedisMeetingStore.close leaves the client to its owner (in the server,
    # the cluster context; here, redis_clients).
    async with redis_clients(tmp_path / "redis") as connect:
        yield Backend(lambda: RedisMeetingStore(connect()))


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[MeetingStore]:
    store = backend.open()
    await store.create(demo_meeting())
    yield store
    await store.close()


async def test_create_get_list_delete(store: MeetingStore) -> None:
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


async def test_update_bumps_meeting_and_only_changed_items(store: MeetingStore) -> None:
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
    store: MeetingStore,
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
    store: MeetingStore,
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


async def test_a_failed_mutation_changes_nothing(store: MeetingStore) -> None:
    def boom(meeting: Meeting) -> Meeting:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await store.update("demo", boom)
    current = await store.get("demo")
    assert current is not None and current.version == 1
    with pytest.raises(NotFound):
        await store.update("nope", lambda m: m)


async def test_two_connections_never_lose_an_update(backend: Backend) -> None:
    # Two stores on one database stand for two processes (or cluster nodes).
    one, two = backend.open(), backend.open()
    await one.create(demo_meeting().model_copy(update={"hosts": []}))

    def add_host(name: str) -> Mutation:
        return lambda m: m.model_copy(update={"hosts": [*m.hosts, name]})

    await asyncio.gather(
        *(
            (one if n % 2 else two).update("demo", add_host(f"h{n}"))
            for n in range(20)
        )
    )
    final = await two.get("demo")
    assert final is not None
    assert sorted(final.hosts) == sorted(f"h{n}" for n in range(20))
    assert final.version == 21
    await one.close()
    await two.close()


async def test_put_keeps_versions_growing(store: MeetingStore) -> None:
    await store.update("demo", lambda m: m.model_copy(update={
        "items": [i.model_copy(update={"duration": 300}) if i.id == "opening" else i
                  for i in m.items]}))
    restored = await store.put(demo_meeting())
    assert restored.version == 3
    # The reset changed "opening" back: its version moves on rather than back to 1.
    assert restored.item("opening").version == 3  # type: ignore[union-attr]
