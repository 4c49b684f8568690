"""The baseline the forwarding benchmark compares against: aiortc's stock
path, as its examples build it. The publisher's audio is decoded once and
``MediaRelay`` hands the decoded frames to every subscriber, whose sender
encodes them again (and computes their audio level in Python).

Run by benchmarks/forwarding.py as a subprocess:
    python benchmarks/naive_relay.py PORT
Endpoints: POST /whip, POST /whep (SDP in, SDP out), GET /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from aiortc import RTCConfiguration, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.media.rtc import HostPeerConnection
from server.metrics import Metrics

SAMPLE_EVERY = 16


class TimedTrack(MediaStreamTrack):
    """A subscriber's relayed track that samples arrival-to-encoder latency."""

    kind = "audio"

    def __init__(self, inner: MediaStreamTrack, arrivals: dict[int, float],
                 metrics: Metrics) -> None:
        super().__init__()
        self._inner = inner
        self._arrivals = arrivals
        self._metrics = metrics
        self._count = 0

    async def recv(self) -> Any:
        frame = await self._inner.recv()
        self._count += 1
        if self._count % SAMPLE_EVERY == 0:
            arrived = None if frame.pts is None else self._arrivals.get(frame.pts)
            if arrived is not None:
                self._metrics.forward_latency.add(time.monotonic() - arrived)
        return frame


class NaiveRelay:
    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.source: MediaStreamTrack | None = None
        self.source_ready = asyncio.Event()
        self.arrivals: dict[int, float] = {}
        self.metrics = Metrics(SAMPLE_EVERY)
        self.pcs: set[HostPeerConnection] = set()

    def _pc(self) -> HostPeerConnection:
        pc = HostPeerConnection(["127.0.0.1"], RTCConfiguration(iceServers=[]))
        self.pcs.add(pc)
        return pc

    async def whip(self, request: Request) -> Response:
        pc = self._pc()
        await pc.setRemoteDescription(
            RTCSessionDescription((await request.body()).decode(), "offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                self._time_arrivals(transceiver.receiver)
                self.source = transceiver.receiver.track
                self.source_ready.set()
        await pc.setLocalDescription(await pc.createAnswer())
        return Response(pc.localDescription.sdp, 201, media_type="application/sdp",
                        headers={"Location": "/whip/0"})

    def _time_arrivals(self, receiver: Any) -> None:
        # Decoded frames carry pts = RTP timestamp - first timestamp.
        original = receiver._handle_rtp_packet
        first: list[int] = []

        async def timed(packet: Any, arrival_time_ms: int) -> None:
            if not first:
                first.append(packet.timestamp)
            self.arrivals[(packet.timestamp - first[0]) & 0xFFFFFFFF] = time.monotonic()
            if len(self.arrivals) > 5000:
                for key in list(self.arrivals)[:1000]:
                    del self.arrivals[key]
            await original(packet, arrival_time_ms)

        receiver._handle_rtp_packet = timed

    async def whep(self, request: Request) -> Response:
        await asyncio.wait_for(self.source_ready.wait(), 10)
        source = self.source
        assert source is not None, "source_ready is set with the source"
        pc = self._pc()
        await pc.setRemoteDescription(
            RTCSessionDescription((await request.body()).decode(), "offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                track = TimedTrack(self.relay.subscribe(source), self.arrivals,
                                   self.metrics)
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendonly"
        await pc.setLocalDescription(await pc.createAnswer())
        return Response(pc.localDescription.sdp, 201, media_type="application/sdp",
                        headers={"Location": "/whep/0"})

    async def metrics_route(self, request: Request) -> Response:
        if request.query_params.get("reset") == "1":
            self.metrics.reset()
        return JSONResponse(self.metrics.snapshot())

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            watcher = asyncio.ensure_future(self.metrics.watch_loop())
            yield
            watcher.cancel()
            await asyncio.gather(*(pc.close() for pc in self.pcs), return_exceptions=True)

        return Starlette(
            routes=[
                Route("/whip/{meeting}", self.whip, methods=["POST"]),
                Route("/whep/{meeting}/{channel}", self.whep, methods=["POST"]),
                Route("/metrics", self.metrics_route),
            ],
            lifespan=lifespan,
        )


if __name__ == "__main__":
    uvicorn.run(NaiveRelay().app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
