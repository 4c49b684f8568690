"""The recordings index holds the same contract on both backends: SQLite (the
embedded default) and Redis (a cluster, on a real redis-server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from recordings.index import RecordingIndex, SqliteRecordingIndex
from recordings.model import Recording, RecordingState
from recordings.redis_index import RedisRecordingIndex
from tests.support.cluster import redis_clients

Opener = Callable[[], RecordingIndex]


@pytest.fixture(params=["sqlite", "redis"])
async def open_index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens indexes on one shared database, each with its own connection."""
    if request.param == "sqlite":
        yield lambda: SqliteRecordingIndex(tmp_path / "recordings.sqlite")
        return
    async with redis_clients(tmp_path / "redis") as connect:
        yield lambda: RedisRecordingIndex(connect())


def recording(rid: str, meeting: str, started: float,
              state: RecordingState = RecordingState.RECORDING) -> Recording:
    return Recording(id=rid, meeting=meeting, state=state, started_at=started)


async def test_put_get_and_update(open_index: Opener) -> None:
    index = open_index()
    assert await index.get("nope") is None
    await index.put(recording("r1", "demo", 100.0))
    got = await index.get("r1")
    assert got is not None and got.state is RecordingState.RECORDING
    done = recording("r1", "demo", 100.0, RecordingState.FINISHED).model_copy(
        update={"duration": 12.5, "note": "stopped by the chair"})
    await index.put(done)
    assert await index.get("r1") == done
    await index.close()


async def test_lists_by_meeting_in_start_order_and_by_state(open_index: Opener) -> None:
    index = open_index()
    await index.put(recording("late", "demo", 300.0))
    await index.put(recording("early", "demo", 100.0, RecordingState.FINISHED))
    await index.put(recording("other", "lyon", 200.0))
    assert [r.id for r in await index.of_meeting("demo")] == ["early", "late"]
    assert [r.id for r in await index.of_meeting("lyon")] == ["other"]
    assert await index.of_meeting("nowhere") == []
    assert sorted(r.id for r in await index.in_state(RecordingState.RECORDING)) == [
        "late", "other"]
    # A state change moves the recording between the lists.
    await index.put(recording("late", "demo", 300.0, RecordingState.FINISHED))
    assert [r.id for r in await index.in_state(RecordingState.RECORDING)] == ["other"]
    assert sorted(r.id for r in await index.in_state(RecordingState.FINISHED)) == [
        "early", "late"]
    await index.close()


async def test_another_connection_sees_every_write(open_index: Opener) -> None:
    # What a restarted server (or another cluster node) reads back.
    writer, reader = open_index(), open_index()
    await writer.put(recording("r1", "demo", 100.0))
    await writer.put(recording("r2", "demo", 200.0, RecordingState.RECOVERED))
    assert [r.id for r in await reader.of_meeting("demo")] == ["r1", "r2"]
    assert [r.id for r in await reader.in_state(RecordingState.RECOVERED)] == ["r2"]
    await writer.close()
    await reader.close()
