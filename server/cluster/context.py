"""What a node of a cluster holds: its Redis client, its place in the
registry, the placement of meetings, and the live state it shares."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from server.cluster.nodes import PREFIX, NodeRegistry
from server.cluster.placement import Placement
from server.config import Settings

log = logging.getLogger(__name__)

LIVE_TTL = 5  # s: live state of a meeting whose node went silent disappears
CHANGES = PREFIX + "changes"  # pub/sub: meetings edited or deleted, by node


def live_key(meeting_id: str) -> str:
    return f"{PREFIX}live:{meeting_id}"


class Cluster:
    def __init__(self, settings: Settings, load: Callable[[], int]) -> None:
        config = settings.cluster
        assert config.redis_url is not None
        self.redis: Any = aioredis.from_url(config.redis_url, decode_responses=True)
        node_id = config.node_id or f"{socket.gethostname()}-{settings.port}"
        self.registry = NodeRegistry(self.redis, node_id, settings.base_url, load,
                                     config.heartbeat, config.node_ttl)
        self.placement = Placement(self.redis, self.registry)
        self._listener: asyncio.Future[None] | None = None

    @property
    def node_id(self) -> str:
        return self.registry.id

    async def start(self) -> None:
        await self.registry.start()
        log.info("node %s joined the cluster at %s", self.node_id, self.registry.url)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self.registry.stop()
        await self.redis.aclose()

    async def announce(self, meeting_id: str, kind: str) -> None:
        """Tell the other nodes a meeting was edited or deleted."""
        await self.redis.publish(CHANGES, json.dumps(
            {"node": self.node_id, "meeting": meeting_id, "kind": kind}))

    def listen_changes(self, on_change: Callable[[str, str], Awaitable[None]]) -> None:
        self._listener = asyncio.ensure_future(self._listen(on_change))

    async def _listen(self, on_change: Callable[[str, str], Awaitable[None]]) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANGES)
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        change = json.loads(message["data"])
                        if change.get("node") != self.node_id:
                            await on_change(str(change["meeting"]), str(change["kind"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away for a moment: subscribe again
                log.warning("listening for meeting changes failed", exc_info=True)
                await asyncio.sleep(1.0)

    async def node_alive(self, node_id: str) -> bool:
        return await self.registry.node(node_id) is not None

    async def node_url(self, node_id: str) -> str | None:
        node = await self.registry.node(node_id)
        return node.url if node else None

    async def publish_live(self, meeting_id: str, snapshot: dict[str, Any]) -> None:
        await self.redis.set(live_key(meeting_id), json.dumps(snapshot), ex=LIVE_TTL)

    async def read_live(self, meeting_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(live_key(meeting_id))
        return None if raw is None else dict(json.loads(raw))
