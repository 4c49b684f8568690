"""Which node hosts which meeting: the least-loaded live node when a meeting
is first needed, and the same node afterwards while it lives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.cluster.nodes import PREFIX, Node, NodeRegistry


def placement_key(meeting_id: str) -> str:
    return f"{PREFIX}placement:{meeting_id}"


# Set the placement only if it is still what we read: two nodes placing the
# same meeting at once agree on one.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or (current == false and ARGV[1] == '') then
  redis.call('SET', KEYS[1], ARGV[2])
  return ARGV[2]
end
return current
"""


@dataclass(frozen=True, slots=True)
class Placed:
    node: Node
    local: bool
    moved_from: str | None  # the dead node it was on before, if it moved


class Placement:
    def __init__(self, redis: Any, registry: NodeRegistry) -> None:
        self.redis = redis
        self.registry = registry
        self._claim = redis.register_script(_CLAIM)

    async def locate(self, meeting_id: str, attempts: int = 3) -> Placed:
        nodes = await self.registry.live_nodes()
        alive = {n.id: n for n in nodes}
        current = await self.redis.get(placement_key(meeting_id))
        if current and current in alive:
            node = alive[current]
            return Placed(node, node.id == self.registry.id, None)
        if not nodes:  # our own heartbeat expired: we are the cluster for now
            await self.registry.beat()
            nodes = await self.registry.live_nodes()
            alive = {n.id: n for n in nodes}
        # Least loaded; on a tie the node asked, which saves a redirect.
        chosen = min(nodes, key=lambda n: (n.load, n.id != self.registry.id, n.id))
        winner = await self._claim(keys=[placement_key(meeting_id)],
                                   args=[current or "", chosen.id])
        placed = alive.get(winner)
        if placed is None and attempts > 1:
            # The winner is not among the nodes we saw alive: look again.
            return await self.locate(meeting_id, attempts - 1)
        placed = placed or chosen
        return Placed(placed, placed.id == self.registry.id, current or None)

    async def owner(self, meeting_id: str) -> str | None:
        value = await self.redis.get(placement_key(meeting_id))
        return str(value) if value else None

    async def forget(self, meeting_id: str) -> None:
        """The meeting closed here: it may go anywhere next time."""
        key = placement_key(meeting_id)
        if await self.redis.get(key) == self.registry.id:
            await self.redis.delete(key)
