"""Up tracks (what a publisher or producer sends) and down tracks (what one
subscriber's sender reads), joined without any codec work.

A :class:`Source` fans each :class:`EncodedPacket` out to its sinks. A
:class:`DownTrack` is an aiortc ``MediaStreamTrack`` whose ``recv`` returns
encoded packets: the subscriber's ``RTCRtpSender`` only packetizes them. Its
queue is bounded and drops the oldest packet, so a slow subscriber never
holds up the others.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from server.media.packets import (
    AUDIO_RATE,
    VIDEO_RATE,
    EncodedPacket,
    RebasedPacket,
    Rebaser,
)

PacketSink = Callable[[EncodedPacket], None]
KeyframeRequest = Callable[[], Awaitable[None]]



class LatencySink(Protocol):
    """Where sampled forwarding latencies go (server.metrics.LatencySampler)."""

    every: int

    def add(self, seconds: float) -> None: ...


KEYFRAME_REQUEST_INTERVAL = 0.3  # s; PLI storms from many subscribers collapse to one


class Source:
    """A stream of encoded packets of one kind, fanned out to sinks."""

    __slots__ = (
        "_keyframe_requester",
        "_keyframe_task",
        "_last_keyframe_request",
        "_sinks",
        "channel",
        "codec",
        "id",
        "kind",
        "label",
        "last_arrival",
        "level",
        "on_demand",
        "owner",
        "packets",
        "reports_level",
    )

    def __init__(
        self,
        source_id: str,
        kind: str,
        label: str = "",
        owner: str | None = None,
        channel: str | None = None,
    ) -> None:
        self.id = source_id
        self.owner = owner  # the participant publishing it, if any
        self.channel = channel  # "floor" or a language, for produced streams
        self.kind = kind
        self.label = label
        self.codec = "opus" if kind == "audio" else "vp8"
        self._sinks: list[PacketSink] = []
        self._keyframe_requester: KeyframeRequest | None = None
        self._keyframe_task: asyncio.Future[None] | None = None
        self._last_keyframe_request = 0.0
        # Smoothed RFC 6464 level (-dBov, 127 = silence); lower is louder.
        self.level = 127.0
        self.packets = 0
        self.last_arrival = 0.0
        # Whether packets carry RFC 6464 levels; if not, the floor mixer
        # (which decodes the source anyway) measures them.
        self.reports_level = False
        # Told True when the first sink arrives and False when the last goes,
        # so producers can stop work nobody consumes.
        self.on_demand: Callable[[bool], None] | None = None

    def add_sink(self, sink: PacketSink) -> None:
        if sink not in self._sinks:
            self._sinks = [*self._sinks, sink]
            if len(self._sinks) == 1 and self.on_demand is not None:
                self.on_demand(True)

    def remove_sink(self, sink: PacketSink) -> None:
        if sink in self._sinks:
            self._sinks = [s for s in self._sinks if s != sink]
            if not self._sinks and self.on_demand is not None:
                self.on_demand(False)

    @property
    def sink_count(self) -> int:
        return len(self._sinks)

    def set_keyframe_requester(self, requester: KeyframeRequest | None) -> None:
        self._keyframe_requester = requester

    def request_keyframe(self) -> None:
        now = time.monotonic()
        if self._keyframe_requester is None:
            return
        if now - self._last_keyframe_request < KEYFRAME_REQUEST_INTERVAL:
            return
        self._last_keyframe_request = now
        self._keyframe_task = asyncio.ensure_future(self._keyframe_requester())

    def smooth_level(self, level: float) -> None:
        # ~300 ms time constant at 50 packets/s
        self.level += (level - self.level) * 0.07

    def publish(self, packet: EncodedPacket) -> None:
        self.packets += 1
        self.last_arrival = packet.arrival
        if packet.audio_level is not None:
            self.reports_level = True
            self.smooth_level(packet.audio_level)
        for sink in self._sinks:
            sink(packet)


class DownTrack(MediaStreamTrack):
    """What one subscriber receives in one slot: packets of its current source."""

    def __init__(
        self, kind: str, capacity: int = 64, latency: LatencySink | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self._latency = latency
        self._queue: deque[EncodedPacket | RebasedPacket] = deque(maxlen=capacity)
        self._waiter: asyncio.Future[None] | None = None
        self._source: Source | None = None
        self._rebaser = Rebaser(AUDIO_RATE if kind == "audio" else VIDEO_RATE)
        self._await_keyframe = kind == "video"
        self.dropped = 0
        self.delivered = 0
        self.on_deliver: Callable[[EncodedPacket], None] | None = None

    @property
    def source(self) -> Source | None:
        return self._source

    def attach(self, source: Source | None) -> None:
        """Switch this slot to another source (or to nothing)."""
        if source is self._source:
            return
        if self._source is not None:
            self._source.remove_sink(self.deliver)
        self._source = source
        if source is None:
            return
        source.add_sink(self.deliver)
        if self.kind == "video":
            self._await_keyframe = True
            source.request_keyframe()

    def request_keyframe(self) -> None:
        if self._source is not None:
            self._source.request_keyframe()

    def deliver(self, packet: EncodedPacket) -> None:
        if self._await_keyframe:
            if not packet.keyframe:
                return
            self._await_keyframe = False
        pts = self._rebaser.rebase(self._source, packet.pts, packet.duration, packet.arrival)
        item: EncodedPacket | RebasedPacket = (
            packet
            if pts == packet.pts
            else RebasedPacket(
                packet.data, pts, packet.time_base, packet.arrival, packet.duration,
                packet.keyframe,
            )
        )
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
            if self.kind == "video":
                # the decoder now misses a reference frame: resync at a keyframe
                self._await_keyframe = True
                self._queue.clear()
                self.request_keyframe()
                return
        self._queue.append(item)
        self.delivered += 1
        if self.on_deliver is not None:
            self.on_deliver(packet)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def recv(self) -> Any:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None
        item = self._queue.popleft()
        if self._latency is not None and self.delivered % self._latency.every == 0:
            self._latency.add(time.monotonic() - item.arrival)
        return item

    def stop(self) -> None:
        self.attach(None)
        super().stop()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
