"""Meetings in Redis, for a cluster: the same interface and versioning as
the SQLite store. Every write is an optimistic transaction (WATCH/MULTI):
two nodes editing the same meeting at once never overwrite each other.
Durability is Redis's: run it with AOF (compose.yaml does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.exceptions import WatchError

from agenda.model import Meeting
from agenda.store import AlreadyExists, Mutation, NotFound
from agenda.versions import expect_meeting, next_versions

PREFIX = "silkhall:"
INDEX = PREFIX + "meetings"  # sorted by start time


def meeting_key(meeting_id: str) -> str:
    return f"{PREFIX}meeting:{meeting_id}"


def _revalidated(meeting: Meeting) -> Meeting:
    return Meeting.model_validate(meeting.model_dump())


class RedisMeetingStore:
    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def get(self, meeting_id: str) -> Meeting | None:
        raw = await self.redis.get(meeting_key(meeting_id))
        return None if raw is None else Meeting.model_validate_json(raw)

    async def list(self) -> list[Meeting]:
        ids = await self.redis.zrange(INDEX, 0, -1)
        if not ids:
            return []
        values = await self.redis.mget([meeting_key(i) for i in ids])
        return [Meeting.model_validate_json(v) for v in values if v]

    async def create(self, meeting: Meeting) -> Meeting:
        def change(current: Meeting | None) -> Meeting:
            if current is not None:
                raise AlreadyExists(f"meeting {meeting.id!r}")
            return _revalidated(next_versions(None, meeting))

        return await self._replace(meeting.id, change)

    async def put(self, meeting: Meeting) -> Meeting:
        def change(current: Meeting | None) -> Meeting:
            return _revalidated(next_versions(current, meeting))

        return await self._replace(meeting.id, change)

    async def update(self, meeting_id: str, mutation: Mutation) -> Meeting:
        def change(current: Meeting | None) -> Meeting:
            if current is None:
                raise NotFound(f"meeting {meeting_id!r}")
            changed = mutation(current)
            if changed.id != meeting_id:
                raise ValueError("a mutation cannot change the meeting's id")
            return _revalidated(next_versions(current, changed))

        return await self._replace(meeting_id, change)

    async def delete(self, meeting_id: str, expected_version: int | None = None) -> None:
        def change(current: Meeting | None) -> None:
            if current is None:
                raise NotFound(f"meeting {meeting_id!r}")
            expect_meeting(current, expected_version)

        await self._transaction(meeting_id, change)

    async def _replace(
        self, meeting_id: str, change: Callable[[Meeting | None], Meeting]
    ) -> Meeting:
        stored = await self._transaction(meeting_id, change)
        assert stored is not None, "a replacing change returns the meeting"
        return stored

    async def _transaction(
        self, meeting_id: str, change: Callable[[Meeting | None], Meeting | None]
    ) -> Meeting | None:
        """Apply ``change`` to the stored meeting atomically; None deletes it."""
        key = meeting_key(meeting_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    current = None if raw is None else Meeting.model_validate_json(raw)
                    stored = change(current)
                    pipe.multi()
                    if stored is None:
                        pipe.delete(key)
                        pipe.zrem(INDEX, meeting_id)
                    else:
                        pipe.set(key, stored.model_dump_json())
                        pipe.zadd(INDEX, {meeting_id: stored.start.timestamp()})
                    await pipe.execute()
                    return stored
                except WatchError:
                    continue  # someone wrote meanwhile: read again, check again

    async def close(self) -> None:
        """The Redis client belongs to the cluster context, which closes it."""
