"""The recordings index in Redis, for a cluster (same interface as SQLite)."""

from __future__ import annotations

from typing import Any

from recordings.model import Recording, RecordingState

PREFIX = "silkhall:"
ALL = PREFIX + "recordings"


def recording_key(recording_id: str) -> str:
    return f"{PREFIX}recording:{recording_id}"


def meeting_index(meeting_id: str) -> str:
    return f"{PREFIX}recordings:{meeting_id}"


class RedisRecordingIndex:
    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def put(self, recording: Recording) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(recording_key(recording.id), recording.model_dump_json())
            pipe.zadd(meeting_index(recording.meeting), {recording.id: recording.started_at})
            pipe.zadd(ALL, {recording.id: recording.started_at})
            await pipe.execute()

    async def get(self, recording_id: str) -> Recording | None:
        raw = await self.redis.get(recording_key(recording_id))
        return None if raw is None else Recording.model_validate_json(raw)

    async def _many(self, ids: list[str]) -> list[Recording]:
        if not ids:
            return []
        values = await self.redis.mget([recording_key(i) for i in ids])
        return [Recording.model_validate_json(v) for v in values if v]

    async def of_meeting(self, meeting_id: str) -> list[Recording]:
        return await self._many(await self.redis.zrange(meeting_index(meeting_id), 0, -1))

    async def in_state(self, state: RecordingState) -> list[Recording]:
        return [r for r in await self._many(await self.redis.zrange(ALL, 0, -1))
                if r.state is state]

    async def close(self) -> None:
        """The Redis client belongs to the cluster context, which closes it."""
