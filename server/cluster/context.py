"""What a node of a cluster holds: its Redis client, its place in the
registry, the placement of meetings, and the live state it shares."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from server.cluster.nodes import PREFIX, NodeRegistry
from server.cluster.placement import Placement
from server.config import Settings

log = logging.getLogger(__name__)

LIVE_TTL = 5  # s: live state of a meeting whose node went silent disappears


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

    @property
    def node_id(self) -> str:
        return self.registry.id

    async def start(self) -> None:
        await self.registry.start()
        log.info("node %s joined the cluster at %s", self.node_id, self.registry.url)

    async def stop(self) -> None:
        await self.registry.stop()
        await self.redis.aclose()

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
