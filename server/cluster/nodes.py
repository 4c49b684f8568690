"""The node registry: each node announces itself with a heartbeat that
expires when it goes silent, and reports its load."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "silkhall:"
NODES = PREFIX + "nodes"  # a set of node ids ever seen; liveness is the key below


def node_key(node_id: str) -> str:
    return f"{PREFIX}node:{node_id}"


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    url: str
    load: int
    started: float


class NodeRegistry:
    def __init__(
        self,
        redis: Any,
        node_id: str,
        url: str,
        load: Callable[[], int],
        heartbeat: float = 1.0,
        ttl: float = 3.0,
    ) -> None:
        self.redis = redis
        self.id = node_id
        self.url = url
        self._load = load
        self.heartbeat = heartbeat
        self.ttl = ttl
        self.started = time.time()
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        value = json.dumps({"id": self.id, "url": self.url, "load": self._load(),
                            "started": self.started})
        await self.redis.set(node_key(self.id), value, px=int(self.ttl * 1000))
        await self.redis.sadd(NODES, self.id)

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.beat()
            except Exception:  # Redis away for a moment: keep trying
                log.warning("heartbeat of node %s failed", self.id, exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.redis.delete(node_key(self.id))
        except Exception:
            log.debug("could not remove node %s", self.id, exc_info=True)

    async def live_nodes(self) -> list[Node]:
        ids = sorted(await self.redis.smembers(NODES))
        if not ids:
            return []
        values = await self.redis.mget([node_key(i) for i in ids])
        nodes = []
        for raw in values:
            if raw:
                data = json.loads(raw)
                nodes.append(Node(data["id"], data["url"], int(data["load"]),
                                  float(data["started"])))
        return nodes

    async def node(self, node_id: str) -> Node | None:
        raw = await self.redis.get(node_key(node_id))
        if not raw:
            return None
        data = json.loads(raw)
        return Node(data["id"], data["url"], int(data["load"]), float(data["started"]))
