"""The workers benchmark's load: real silkhall nodes on one Redis, meetings
placed by the cluster, one pausable Opus publisher per meeting and
subscribers added up to a total, all of them in this process."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import subprocess
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
from aiortc.mediastreams import MediaStreamTrack

from agenda.demo import demo_meeting
from benchmarks.cpu import LoopLag, cpu_seconds
from benchmarks.kernel_count import count_rtp_in_kernel
from server.auth.roles import Role
from server.auth.tokens import TokenAuthority
from tests.support.cluster import SECRET, Node, node_env, silkhall
from tests.support.live import free_port
from tests.support.opus import FRAME, RATE
from tests.support.wsclient import SignallingClient

ROOT = Path(__file__).resolve().parent.parent
JOIN_CONCURRENCY = 12


class PausableOpusTrack(MediaStreamTrack):
    """Pre-encoded Opus paced at 20 ms, as tests.support.opus.OpusPacketTrack,
    that can also pause (like a sender in DTX: timestamps keep following the
    clock, so a pause is a gap). Windows start and end with a pause so that
    no packet is in flight at either end (see benchmarks.workers_window)."""

    kind = "audio"

    def __init__(self, packets: list[bytes]) -> None:
        super().__init__()
        self._packets = packets
        self._start: float | None = None
        self._next = 0.0
        self._running = asyncio.Event()
        self._running.set()
        self.sent = 0

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    async def recv(self) -> Any:
        if not self._running.is_set():
            await self._running.wait()
            self._next = max(self._next, time.monotonic())  # no burst after a pause
        now = time.monotonic()
        if self._start is None:
            self._start = self._next = now
        if self._next > now:
            await asyncio.sleep(self._next - now)
        packet = av.Packet(self._packets[self.sent % len(self._packets)])
        packet.pts = round((self._next - self._start) * RATE / FRAME) * FRAME
        packet.time_base = fractions.Fraction(1, RATE)
        self._next += FRAME / RATE
        self.sent += 1
        return packet


@dataclass
class Subscriber:
    client: SignallingClient
    inode: int | None  # kernel-counted; None: the check subscriber (tap count)


@dataclass
class Meeting:
    id: str
    node: Node
    publisher: SignallingClient
    track: PausableOpusTrack
    subscribers: list[Subscriber] = field(default_factory=list)


def redis_pid(url: str) -> int | None:
    """The redis-server tests.support.cluster started for ``url``."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if args and args[0].endswith(b"redis-server") and port.encode() in args:
                    return int(entry.name)
    return None


async def start_node(node: Node, log: Path) -> None:
    """As tests.support.cluster.Node.start, but the node's output goes to
    ``log``: the benchmark's table stays readable, and a node that exits
    says why there."""
    with log.open("wb") as out:
        node.proc = subprocess.Popen(
            silkhall("serve", "--redis", node.redis, "--node-id", node.name, "--host",
                     "127.0.0.1", "--port", str(node.port), "--data-dir", str(node.data),
                     "--heartbeat", "0.5", "--node-ttl", "2", "--log-level", "warning"),
            cwd=ROOT, env=node_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            if node.proc.poll() is not None:
                raise RuntimeError(f"node {node.name} exited: see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{node.base}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"node {node.name} did not start")


class Configuration:
    """``workers`` nodes on one Redis, the meetings they host and every
    client of them."""

    def __init__(self, workers: int, meetings: int, tmp: Path, packets: list[bytes]) -> None:
        self.workers = workers
        self.meeting_count = meetings
        self.tmp = tmp
        self.packets = packets
        self.authority = TokenAuthority(SECRET.encode())
        self.nodes: list[Node] = []
        self.meetings: list[Meeting] = []
        self.check: Subscriber | None = None
        self.mate: Subscriber | None = None  # kernel-counted, same meeting as check
        self.joins = asyncio.Semaphore(JOIN_CONCURRENCY)
        self.lag = LoopLag()
        self.redis: int | None = None

    async def start(self, redis: str) -> None:
        self.redis = redis_pid(redis)
        seed = self.tmp / "seed"
        await asyncio.to_thread(
            subprocess.run, silkhall("demo", "--redis", redis, "--data-dir", str(seed),
                                     "--links-only"),
            cwd=ROOT, env=node_env(), check=True, stdout=subprocess.DEVNULL,
        )
        self.nodes = [Node(f"w{i + 1}", free_port(), self.tmp / f"w{i + 1}", redis)
                      for i in range(self.workers)]
        await asyncio.gather(*(start_node(n, self.tmp / f"{n.name}.log") for n in self.nodes))
        ids = ["demo"] + [f"bench-{i + 1}" for i in range(1, self.meeting_count)]
        site = self.authority.mint("*", Role.ORGANISER)
        async with httpx.AsyncClient() as http:
            for meeting_id in ids[1:]:
                body = demo_meeting().model_copy(update={"id": meeting_id}).model_dump(mode="json")
                answer = await http.post(f"{self.nodes[0].base}/api/meetings", json=body,
                                         headers={"Authorization": f"Bearer {site}"})
                answer.raise_for_status()
        by_url = {n.ws_url: n for n in self.nodes}
        for i, meeting_id in enumerate(ids):
            # Ask the nodes in turn; the cluster places the meeting on the
            # least-loaded live node. Wait out a heartbeat so loads are current.
            asked = self.nodes[i % len(self.nodes)]
            track = PausableOpusTrack(self.packets)
            publisher = SignallingClient(
                asked.ws_url, self.token(meeting_id, "Speaker"), meeting_id, mic=track, tap=True)
            await publisher.join(timeout=30)
            await publisher.send({"type": "media", "mic": True, "camera": False})
            await publisher.wait_connected(30)
            node = by_url[publisher.redirected_to or asked.ws_url]
            self.meetings.append(Meeting(meeting_id, node, publisher, track))
            await asyncio.sleep(1.2)

    def token(self, meeting_id: str, name: str) -> str:
        return self.authority.mint(meeting_id, Role.DELEGATE, name=name)

    def placement(self) -> str:
        return ", ".join(f"{m.id}→{m.node.name}" for m in self.meetings)

    async def add_subscriber(self, meeting: Meeting, index: int, role: str) -> None:
        async with self.joins:
            client = SignallingClient(meeting.node.ws_url,
                                      self.token(meeting.id, f"Listener {index}"),
                                      meeting.id, tap=True)
            await client.join(timeout=60)
            await client.send({"type": "media", "mic": False, "camera": False})
        speaker = meeting.publisher.welcome["you"]["id"] if meeting.publisher.welcome else None
        deadline = time.monotonic() + 60
        while not (client.pc is not None and client.pc.connectionState == "connected"
                   and client.slot("floor", participant=speaker) is not None):
            if time.monotonic() > deadline:
                raise TimeoutError(f"subscriber {index} of {meeting.id} did not connect")
            await asyncio.sleep(0.1)
        if role == "check":
            subscriber = self.check = Subscriber(client, None)
        else:
            subscriber = Subscriber(client, count_rtp_in_kernel(client))
            if role == "mate":
                self.mate = subscriber
        meeting.subscribers.append(subscriber)

    async def grow(self, total: int) -> None:
        """Add subscribers up to ``total``. The publishers pause meanwhile:
        joins (DTLS handshakes, offers) are not what is measured, and on a
        node near saturation they would build a backlog and take long."""
        jobs: list[Coroutine[Any, Any, None]] = []
        for n, meeting in enumerate(self.meetings):
            share = total // len(self.meetings) + (n < total % len(self.meetings))
            for i in range(len(meeting.subscribers), share):
                role = ""
                if self.check is None and not jobs:
                    role = "check"
                elif self.mate is None and len(jobs) == 1:
                    role = "mate"
                jobs.append(self.add_subscriber(meeting, i, role))
        self.pause()
        try:
            await asyncio.gather(*jobs)
        finally:
            self.resume()

    def pause(self) -> None:
        for m in self.meetings:
            m.track.pause()

    def resume(self) -> None:
        for m in self.meetings:
            m.track.resume()

    def tap_count(self) -> int:
        assert self.check is not None
        return sum(self.check.client.packets.get(m, 0) for m in self.check.client.mids("floor"))

    def clients(self) -> list[SignallingClient]:
        """Every publisher and subscriber, publishers first."""
        return [m.publisher for m in self.meetings] + [
            s.client for m in self.meetings for s in m.subscribers]

    def lost(self) -> int:
        """Peer connections not connected now."""
        return sum(1 for c in self.clients()
                   if c.pc is None or c.pc.connectionState != "connected")

    def received(self, drops: dict[int, int]) -> dict[str, int]:
        """RTP packets each meeting's subscribers have counted so far."""
        return {m.id: sum(drops.get(s.inode, 0) if s.inode is not None else self.tap_count()
                          for s in m.subscribers) for m in self.meetings}

    def ours(self) -> float:
        """CPU seconds used so far by the nodes, Redis and this process."""
        pids: list[int | str] = [n.proc.pid for n in self.nodes if n.proc is not None]
        pids += ["self"] + ([self.redis] if self.redis else [])
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
        return total

    async def stop(self) -> None:
        self.lag.stop()
        # Nodes first: a node that sees hundreds of participants leave would
        # re-route the rest each time, for nothing.
        for node in self.nodes:
            node.stop()

        async def close(client: SignallingClient) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 10)

        await asyncio.gather(*(close(c) for c in self.clients()))
