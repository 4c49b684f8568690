"""Workers benchmark: do two worker processes (two cluster nodes on one Redis)
carry about twice the downtracks of one, at the same delivery?

For one worker, then two, it starts a real redis-server and real silkhall
nodes, creates M meetings (each placed by the cluster on the least-loaded
node) and gives each meeting one Opus publisher. It then steps the total of
downtracks (subscribers, one floor stream each, spread evenly over the
meetings) up, and at each step measures over a window:

- delivery: the share of the publishers' packets that reached the
  subscribers by a short grace after the window; the window starts and ends
  with the publishers paused, so nothing is in flight at either end, and a
  node that falls behind shows (its backlog at the end is missing);
- each node's CPU time per forwarded packet, event-loop lag and forwarding
  latency; what the client process costs.

A step not carried, but at >= 95 %, gets a second window (the better one
counts: one window near the knee is noisy). A configuration stops stepping
once delivery falls below 95 %, at its second step below 99 % (the answer is
known by then), or when joins fail or a peer connection drops. Subscribers
join while the publishers pause; the machine is shared with other sessions,
so each window waits for other processes to be quiet and is retried if they
were not. It prints each step, then side by side the delivery and CPU per
packet at each load per worker, the largest load each configuration carries
at >= 99 % delivery, and the ratio.

    .venv/bin/python benchmarks/workers.py [--meetings 4] [--start 150] [--step 25]
                                           [--max 500] [--seconds 4]

Loads are given per worker (--start 150 --step 25: 150, 175, 200, ...
downtracks for one worker; 300, 350, 400, ... for two), so both
configurations are stepped at the same resolution per node.

The client process (all publishers and subscribers) shares the machine with
the servers, so subscribers are made as cheap as a subscriber can be: the
kernel counts their RTP packets and the client never reads them (see
:func:`count_rtp_in_kernel`). One subscriber per configuration keeps aiortc's
full receive path with a tap receiver; at every step its count is compared
with that of a kernel-counted subscriber of the same meeting ("check").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import fractions
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
from aiortc.mediastreams import MediaStreamTrack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agenda.demo import demo_meeting  # noqa: E402
from server.auth.roles import Role  # noqa: E402
from server.auth.tokens import TokenAuthority  # noqa: E402
from tests.support.cluster import SECRET, Node, node_env, redis_server, silkhall  # noqa: E402
from tests.support.live import free_port  # noqa: E402
from tests.support.opus import FRAME, RATE, encode_tone  # noqa: E402
from tests.support.wsclient import SignallingClient  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
JOIN_CONCURRENCY = 12
CARRIED = 99.0  # % delivered for a load to count as carried
GIVE_UP = 95.0  # % delivered below which a configuration stops stepping
GRACE = 0.2  # s after the window's last packet for it to arrive
DRAIN = 3.0  # s at most to wait for packets in flight before a window
QUIET = 0.1  # CPUs that processes other than ours may use during a window
QUIET_WAIT = 60.0  # s to wait for the machine to be that quiet before a window
ATTEMPTS = 3  # windows to try per step while other processes are busy


# --- counting a subscriber's RTP in the kernel -------------------------------
#
# A classic BPF socket filter (SO_ATTACH_FILTER, no privilege needed) on the
# subscriber's UDP socket rejects every RTP datagram. Linux counts a datagram
# a socket filter rejects in that socket's drop counter (udp_queue_rcv_one_skb
# -> drop: sk_drops), which /proc/net/udp shows per socket. So the kernel
# counts the subscriber's RTP packets, and the client process never wakes up,
# never reads, never decrypts them: the client costs next to nothing per
# forwarded packet, and the run measures the servers. The filter runs where
# the kernel would otherwise queue the datagram (on loopback, typically in the
# sending server's softirq), and costs less than queueing it.
#
# Why not count in user space, e.g. by replacing aiortc's
# RTCDtlsTransport._handle_rtp_data on the instance: aiortc unprotects SRTP
# in _recv_next before it calls that method, and the client would still wake
# up, read each datagram, try it as STUN and queue it (aioice). Counting in
# aioice's datagram_received instead skips all that, but still costs a wakeup
# and a read per packet; the kernel count costs neither.
#
# It tells RTP apart from everything else by its first two bytes (RFC 7983,
# RFC 5761): first byte 128..191 is RTP or RTCP, and RTCP's second byte
# (packet type) is 192..223. STUN (ICE consent checks), DTLS and SRTCP still
# reach aioice, so the connection stays alive. The RTP payload stays
# encrypted and is never looked at: a corrupted packet would still count.
# Acceptable in a benchmark tool; the check subscriber shows at every step
# that the kernel's count equals the packets aiortc's full path accepts.

SO_ATTACH_FILTER = 26
BPF_LD_B_ABS = 0x30  # A = packet[k]
BPF_JGE_K = 0x35  # if A >= k goto +jt else goto +jf
BPF_RET_K = 0x06
UDP_HEADER = 8  # a UDP socket filter sees the packet from the UDP header on
RTP_FILTER = [
    (BPF_LD_B_ABS, 0, 0, UDP_HEADER),  # 0: A = first byte
    (BPF_JGE_K, 0, 5, 128),  # 1: < 128 (STUN, DTLS): accept
    (BPF_JGE_K, 4, 0, 192),  # 2: >= 192: accept
    (BPF_LD_B_ABS, 0, 0, UDP_HEADER + 1),  # 3: A = second byte
    (BPF_JGE_K, 1, 0, 224),  # 4: >= 224: RTP (marker + payload type): drop
    (BPF_JGE_K, 1, 0, 192),  # 5: 192..223: RTCP: accept; below: RTP: drop
    (BPF_RET_K, 0, 0, 0),  # 6: drop (and count)
    (BPF_RET_K, 0, 0, 0xFFFFFFFF),  # 7: accept
]


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


_libc = ctypes.CDLL(None, use_errno=True)


def attach_rtp_filter(fd: int) -> None:
    program = (_SockFilter * len(RTP_FILTER))(*(_SockFilter(*i) for i in RTP_FILTER))
    fprog = _SockFprog(len(RTP_FILTER), program)
    if _libc.setsockopt(fd, socket.SOL_SOCKET, SO_ATTACH_FILTER, ctypes.byref(fprog),
                        ctypes.sizeof(fprog)) != 0:
        raise OSError(ctypes.get_errno(), "SO_ATTACH_FILTER failed")


def socket_drops() -> dict[int, int]:
    """Each UDP socket's drop counter (full buffer or rejected by a filter),
    by inode, from /proc/net/udp."""
    drops: dict[int, int] = {}
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        cols = line.split()
        drops[int(cols[9])] = int(cols[12])
    return drops


def socket_inodes(pid: int | str) -> set[int]:
    inodes = set()
    with contextlib.suppress(FileNotFoundError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
    return inodes


class RtcpDropper:
    """Put in place of aioice's ``datagram_received`` on a kernel-counted
    subscriber: the server's sender reports (SRTCP, the only RTP-range
    datagrams the filter lets through) are dropped unread, since nothing on
    this subscriber needs them and unprotecting them would only load the
    client; STUN and DTLS go on to aioice."""

    __slots__ = ("_original",)

    def __init__(self, original: Callable[[bytes, Any], None]) -> None:
        self._original = original

    def received(self, data: bytes, addr: Any) -> None:
        if not 127 < data[0] < 192:
            self._original(data, addr)


def count_rtp_in_kernel(client: SignallingClient) -> int:
    """Make a connected subscriber cheap; return the inode of the UDP socket
    whose drop counter now counts its RTP packets."""
    assert client.pc is not None
    dtls = client.pc.getTransceivers()[0].receiver.transport
    connection = dtls.transport._connection  # aioice.Connection
    protocols = list(connection._protocols)
    if len(protocols) != 1:  # one host candidate (127.0.0.1), one component, BUNDLE
        raise RuntimeError(f"expected one UDP socket, found {len(protocols)}")
    protocol: Any = protocols[0]
    fd = protocol.transport.get_extra_info("socket").fileno()
    attach_rtp_filter(fd)
    # asyncio and uvloop both look datagram_received up on the protocol object
    # for every datagram, so an instance attribute takes effect at once.
    protocol.datagram_received = RtcpDropper(protocol.datagram_received).received
    for transceiver in client.pc.getTransceivers():
        # aiortc's RTCRtpSender without a track polls for one every 20 ms
        # (asyncio.sleep(0.02) in _run_rtp): the subscriber's mic and camera
        # lines would wake the client 100 times a second per subscriber while
        # sending nothing. Stop those loops (once started, or stop() would
        # wait for them). Nothing changes on the wire.
        sender: Any = transceiver.sender  # Any: aiortc's private attributes below
        if sender.track is None and sender._RTCRtpSender__rtp_started.is_set():
            sender._RTCRtpSender__rtp_task.cancel()
        # The receivers see no packets now, so their report loops have nothing
        # to report (aiortc sends a receiver report only with report blocks)
        # and only wake up: stop them too.
        receiver: Any = transceiver.receiver
        if receiver._RTCRtpReceiver__rtcp_started.is_set():
            receiver._RTCRtpReceiver__rtcp_task.cancel()
    # aiortc sends a report (SR + SDES) about once a second per sender, here
    # for the mic and the camera lines; a browser sends about one compound
    # report a second per connection. Keep the mic line's, so the server
    # still handles one report a second per subscriber; stop the camera
    # line's without the BYE aiortc would send on the way out.
    camera: Any = next((t.sender for t in client.pc.getTransceivers()
                        if t.mid in client.mids("camera")), None)
    if camera is not None and camera._RTCRtpSender__rtcp_started.is_set():
        camera._send_rtcp = _no_rtcp
        camera._RTCRtpSender__rtcp_task.cancel()
    return os.fstat(fd).st_ino


async def _no_rtcp(packets: Any) -> None:
    return None


# --- what the machine and the processes spend --------------------------------


def cpu_seconds(pid: int | str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


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


def _spin(seconds: float, out: Any) -> None:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        for _ in range(1000):
            n += 1
    out.put(n)


def machine_scaling(seconds: float = 1.5) -> float:
    """How much more pure-Python work two busy processes do than one, here
    (2.0 would be perfect): what the hardware alone allows, for reference."""
    import multiprocessing

    def run(k: int) -> int:
        out: Any = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_spin, args=(seconds, out)) for _ in range(k)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        return sum(out.get() for _ in procs)

    return run(2) / run(1)


class LoopLag:
    """How late this process's event loop runs a 20 ms timer."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            start = time.monotonic()
            await asyncio.sleep(0.02)
            self.samples.append(max(0.0, time.monotonic() - start - 0.02))

    def p99_ms(self) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return 1000 * ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    def stop(self) -> None:
        self._task.cancel()


# --- the publisher ------------------------------------------------------------


class PausableOpusTrack(MediaStreamTrack):
    """Pre-encoded Opus paced at 20 ms, as tests.support.opus.OpusPacketTrack,
    that can also pause (like a sender in DTX: timestamps keep following the
    clock, so a pause is a gap). Windows start and end with a pause so that
    no packet is in flight at either end (see Configuration.measure)."""

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


# --- one configuration -------------------------------------------------------


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


@dataclass
class NodeStep:
    name: str
    meetings: int
    downtracks: int
    delivered: int  # RTP packets its subscribers got in the window
    published: int  # its publishers' packets in the window x their subscribers
    cpu: float  # s of CPU in the window
    loop_lag_p99: float | None  # ms
    forward_p99: float | None  # ms, a packet's arrival to its hand-off to a sender
    drops: int  # datagrams dropped at the node's own sockets (full buffers)

    @property
    def us_per_packet(self) -> float:
        return self.cpu / self.delivered * 1e6 if self.delivered else float("inf")


@dataclass
class Step:
    workers: int
    downtracks: int
    seconds: float
    nodes: list[NodeStep]
    client_cpu: float
    client_lag_p99: float
    client_drops: int
    machine_busy: float  # share of all CPUs
    check: tuple[int, int]  # (check subscriber's tap count, its mate's kernel count)
    lost: int  # peer connections not connected at the end of the window
    drained: bool  # nothing was in flight when the window started
    others: float  # CPUs used by processes other than ours during the window
    redis_cpu: float  # s of CPU Redis used in the window

    @property
    def delivered(self) -> int:
        return sum(n.delivered for n in self.nodes)

    @property
    def delivered_pct(self) -> float:
        published = sum(n.published for n in self.nodes)
        return 100.0 * self.delivered / published if published else 0.0


async def start_node(node: Node, log: Path) -> None:
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

    def lost(self) -> int:
        clients = [m.publisher for m in self.meetings]
        clients += [s.client for m in self.meetings for s in m.subscribers]
        return sum(1 for c in clients if c.pc is None or c.pc.connectionState != "connected")

    def received(self, drops: dict[int, int]) -> dict[str, int]:
        """RTP packets each meeting's subscribers have counted so far."""
        return {m.id: sum(drops.get(s.inode, 0) if s.inode is not None else self.tap_count()
                          for s in m.subscribers) for m in self.meetings}

    async def drain(self) -> bool:
        """Wait until no packet is in flight: the counts stop moving."""
        deadline = time.monotonic() + DRAIN
        last = None
        while time.monotonic() < deadline:
            now = sum(self.received(socket_drops()).values())
            if now == last:
                return True
            last = now
            await asyncio.sleep(0.1)
        return False

    def ours(self) -> float:
        """CPU seconds used so far by the nodes, Redis and this process."""
        pids: list[int | str] = [n.proc.pid for n in self.nodes if n.proc is not None]
        pids += ["self"] + ([self.redis] if self.redis else [])
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
        return total

    async def wait_quiet(self) -> bool:
        """Wait until, for a second, other processes use under QUIET CPUs."""
        cores = os.cpu_count() or 1
        deadline = time.monotonic() + QUIET_WAIT
        while time.monotonic() < deadline:
            busy0, ours0 = machine_busy(), self.ours()
            await asyncio.sleep(1.0)
            busy1, ours1 = machine_busy(), self.ours()
            share = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
            if share * cores - (ours1 - ours0) <= QUIET:
                return True
        return False

    async def measure(self, seconds: float, warmup: float) -> Step:
        """A window on a quiet machine: other sessions share it, so a window
        during which other processes used more than QUIET CPUs is tried
        again (up to ATTEMPTS), after waiting for quiet; the quietest one is
        kept, and flagged if still not quiet."""
        best: Step | None = None
        for attempt in range(ATTEMPTS):
            await self.wait_quiet()
            step = await self._window(seconds, warmup if attempt == 0 else 1.0)
            if best is None or step.others < best.others:
                best = step
            if step.others <= QUIET:
                break
        assert best is not None
        return best

    async def _window(self, seconds: float, warmup: float) -> Step:
        """One window. The publishers run through ``warmup`` (the nodes settle
        after the joins), pause until nothing is in flight, send for
        ``seconds``, pause again (and run on); a packet of the window counts as delivered
        if it arrives within GRACE of the window's end. So the count is exact
        at both ends, and a node that falls behind shows: its backlog at the
        end is missing, however it got there."""
        await asyncio.sleep(warmup)
        me = os.getpid()
        pids = {n.name: n.proc.pid for n in self.nodes if n.proc is not None}
        counted = {s.inode for m in self.meetings for s in m.subscribers if s.inode is not None}
        mine = socket_inodes(me) - counted  # the client's other sockets
        theirs = {name: socket_inodes(pid) for name, pid in pids.items()}

        def snapshot() -> dict[str, Any]:
            # No await in here: every count is taken at the same instant.
            drops = socket_drops()
            return {
                "cpu": {name: cpu_seconds(pid) for name, pid in pids.items()},
                "client": cpu_seconds("self"),
                "ours": self.ours(),
                "redis": cpu_seconds(self.redis) if self.redis else 0.0,
                "sent": {m.id: m.track.sent for m in self.meetings},
                "got": self.received(drops),
                "check": (self.tap_count(),
                          drops.get(self.mate.inode or 0, 0) if self.mate else 0),
                "drops": {name: sum(drops.get(i, 0) for i in inodes)
                          for name, inodes in [("client", mine), *theirs.items()]},
                "busy": machine_busy(),
                "time": time.monotonic(),
            }

        async with httpx.AsyncClient() as http:
            self.pause()
            drained = await self.drain()
            for node in self.nodes:
                await http.get(f"{node.base}/metrics?reset=1")
            self.lag.samples.clear()
            a = snapshot()
            self.resume()
            await asyncio.sleep(seconds)
            self.pause()
            await asyncio.sleep(GRACE)
            b = snapshot()
            self.resume()
            metrics = {n.name: (await http.get(f"{n.base}/metrics")).json() for n in self.nodes}
        nodes = []
        for node in self.nodes:
            hosted = [m for m in self.meetings if m.node is node]
            nodes.append(NodeStep(
                node.name, len(hosted), sum(len(m.subscribers) for m in hosted),
                sum(b["got"][m.id] - a["got"][m.id] for m in hosted),
                sum((b["sent"][m.id] - a["sent"][m.id]) * len(m.subscribers) for m in hosted),
                b["cpu"][node.name] - a["cpu"][node.name],
                metrics[node.name]["loop_lag_ms"]["p99"],
                metrics[node.name]["forward_latency_ms"]["p99"],
                b["drops"][node.name] - a["drops"][node.name]))
        busy = (b["busy"][0] - a["busy"][0]) / max(1, b["busy"][1] - a["busy"][1])
        cores = os.cpu_count() or 1
        others = max(0.0, busy * cores - (b["ours"] - a["ours"]) / (b["time"] - a["time"]))
        return Step(
            self.workers, sum(n.downtracks for n in nodes), b["time"] - a["time"], nodes,
            b["client"] - a["client"], self.lag.p99_ms(),
            b["drops"]["client"] - a["drops"]["client"], busy,
            (b["check"][0] - a["check"][0], b["check"][1] - a["check"][1]), self.lost(),
            drained, others, b["redis"] - a["redis"])

    async def stop(self) -> None:
        self.lag.stop()
        # Nodes first: a node that sees hundreds of participants leave would
        # re-route the rest each time, for nothing.
        for node in self.nodes:
            node.stop()
        clients = [m.publisher for m in self.meetings]
        clients += [s.client for m in self.meetings for s in m.subscribers]

        async def close(client: SignallingClient) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 10)

        await asyncio.gather(*(close(c) for c in clients))


# --- running and reporting ---------------------------------------------------


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


HEADER = (
    "workers  down   per node  delivered    node CPU    µs/packet  fwd p99 ms  lag p99 ms"
    "  client c.lag  busy other  sock.drops lost  check\n"
    "                                        (of a core)  per node    per node    per node"
    "  (core)    ms  2CPU  CPUs  node client       tap/kernel"
)


def row(step: Step) -> str:
    def per_node(value: Callable[[NodeStep], str], width: int) -> str:
        return " ".join(value(n) for n in step.nodes).rjust(width)

    split = "+".join(str(n.downtracks) for n in step.nodes)
    late = " " if step.drained else "*"
    return (
        f"{step.workers:7d} {step.downtracks:5d} {split:>10} {step.delivered_pct:8.2f}%{late} "
        f"{per_node(lambda n: f'{100 * n.cpu / step.seconds:4.0f}%', 11)} "
        f"{per_node(lambda n: f'{n.us_per_packet:5.1f}', 12)} "
        f"{per_node(lambda n: f'{fmt(n.forward_p99):>5}', 11)} "
        f"{per_node(lambda n: f'{fmt(n.loop_lag_p99):>5}', 11)} "
        f"{100 * step.client_cpu / step.seconds:6.0f}% {step.client_lag_p99:5.1f} "
        f"{100 * step.machine_busy:4.0f}% {step.others:4.2f}{'!' if step.others > QUIET else ' '}"
        f"{sum(n.drops for n in step.nodes):5d} "
        f"{step.client_drops:6d} {step.lost:4d}  {step.check[0]}/{step.check[1]}"
    )


def carries(step: Step) -> bool:
    return step.delivered_pct >= CARRIED and step.drained and not step.lost


async def run_configuration(workers: int, args: argparse.Namespace,
                            packets: list[bytes]) -> list[Step]:
    steps: list[Step] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with redis_server(Path(tmp) / "redis") as redis:
            config = Configuration(workers, args.meetings, Path(tmp), packets)
            try:
                await config.start(redis)
                print(f"# {workers} worker(s); placement: {config.placement()}", flush=True)
                total = args.start * workers
                misses = 0
                while total <= args.max * workers:
                    started = time.monotonic()
                    try:
                        await config.grow(total)
                    except (TimeoutError, ConnectionError, OSError) as exc:
                        print(f"{workers:7d} {total:5d}  joins failed after "
                              f"{time.monotonic() - started:.0f} s: {exc!r}", flush=True)
                        break
                    joined = time.monotonic() - started
                    step = await config.measure(args.seconds, args.warmup)
                    note = f"joins {joined:.0f} s"
                    if not carries(step) and not step.lost and step.delivered_pct >= GIVE_UP:
                        # One window near the knee is noisy: a step not carried
                        # (but not far off) gets a second window, the better
                        # one counts.
                        again = await config.measure(args.seconds, 1.0)
                        kept = max(step, again, key=lambda s: (carries(s), s.delivered_pct))
                        print(row(step) + f"  ({note}; window 1 of 2"
                              f"{'; kept' if kept is step else ''})", flush=True)
                        print(row(again) + "  (window 2 of 2"
                              f"{'; kept' if kept is again else ''})", flush=True)
                        step = kept
                    else:
                        print(row(step) + f"  ({note})", flush=True)
                    steps.append(step)
                    misses += not carries(step)
                    # Bounded: stop below GIVE_UP, on a lost connection, or at
                    # the second step not carried (the answer is known by then).
                    if step.delivered_pct < GIVE_UP or step.lost or misses >= 2:
                        break
                    total += args.step * workers
            finally:
                await config.stop()
    return steps


def carried(steps: list[Step]) -> Step | None:
    """The largest load carried, stepping up from the smallest: the step
    before the first one below the bar."""
    best = None
    for step in steps:
        if not carries(step):
            break
        best = step
    return best


def side_by_side(results: dict[int, list[Step]]) -> None:
    workers = sorted(results)
    by_load = {w: {s.downtracks // w: s for s in results[w]} for w in workers}
    loads = sorted({load for steps in by_load.values() for load in steps})
    print("\nside by side, by load per worker (delivered; node CPU µs per forwarded packet)")
    print("per worker" + "".join(f"  | {f'{w} worker' + ('s' if w > 1 else ''):>9} "
                                 f"{'delivered':>10} {'µs/packet':>11}" for w in workers))
    for load in loads:
        cells = []
        for w in workers:
            s = by_load[w].get(load)
            if s is None:
                cells.append(f"  | {'':9} {'':>10} {'':>11}")
                continue
            us = "/".join(f"{n.us_per_packet:.0f}" for n in s.nodes)
            mark = " " if carries(s) else "x"
            cells.append(f"  | {s.downtracks:9d} {s.delivered_pct:9.2f}%{mark}{us:>11}")
        print(f"{load:10d}" + "".join(cells))
    print("(x: not carried)")


def summary(results: dict[int, list[Step]]) -> None:
    side_by_side(results)
    best = {w: carried(steps) for w, steps in results.items()}
    workers = sorted(results)
    noisy = [s for steps in results.values() for s in steps if s.others > QUIET]
    if noisy:
        print(f"\nwarning: other processes used more than {QUIET:g} CPUs during "
              f"{len(noisy)} step(s) (marked !), even after waiting and retrying")
    print(f"\nlargest load carried at >= {CARRIED:g} % delivery")
    print(f"{'':34}" + "".join(f"{f'{w} worker' + ('s' if w > 1 else ''):>14}" for w in workers))

    def line(label: str, value: Callable[[Step], str]) -> None:
        cells = [value(s) if (s := best[w]) is not None else "-" for w in workers]
        print(f"{label:34}" + "".join(f"{c:>14}" for c in cells))

    line("downtracks", lambda s: str(s.downtracks))
    line("delivered", lambda s: f"{s.delivered_pct:.2f}%")
    line("forwarded packets/s", lambda s: f"{s.delivered / s.seconds:.0f}")
    line("node CPU µs/packet (per node)",
         lambda s: "/".join(f"{n.us_per_packet:.0f}" for n in s.nodes))
    line("node CPU, of a core (per node)",
         lambda s: "/".join(f"{100 * n.cpu / s.seconds:.0f}%" for n in s.nodes))
    line("forwarding p99 ms (per node)",
         lambda s: "/".join(fmt(n.forward_p99) for n in s.nodes))
    line("client CPU, of a core", lambda s: f"{100 * s.client_cpu / s.seconds:.0f}%")
    line("machine busy, both CPUs", lambda s: f"{100 * s.machine_busy:.0f}%")
    for w in workers:
        fail = next((s for s in results[w] if not carries(s)), None)
        if fail is not None:
            print(f"  {w} worker(s): first step not carried: {fail.downtracks} downtracks, "
                  f"{fail.delivered_pct:.2f}% delivered, {fail.lost} peers lost"
                  + ("" if fail.drained else ", still behind before the window"))
        elif results[w]:
            print(f"  {w} worker(s): not below {CARRIED:g} % up to the last step run")
    one, two = best.get(1), best.get(2)
    if one is None or two is None:
        return
    print(f"\nratio, 2 workers / 1 worker: {two.downtracks / one.downtracks:.2f}x downtracks,"
          f" {two.delivered / one.delivered:.2f}x forwarded packets/s")
    cores = os.cpu_count() or 1
    for step in (one, two):
        nodes = sum(n.cpu for n in step.nodes) / step.seconds
        client = step.client_cpu / step.seconds
        print(f"  CPU at {step.downtracks} downtracks, {step.workers} worker(s), of "
              f"{cores} CPUs: nodes {nodes:.2f}, client {client:.2f}, Redis "
              f"{step.redis_cpu / step.seconds:.2f}, other processes {step.others:.2f}, "
              f"idle {cores * (1 - step.machine_busy):.2f}")
    us = sum(n.cpu for n in two.nodes) / max(1, two.delivered) * 1e6
    print(f"  at the nodes' measured {us:.0f} µs/packet, a whole core per node would be "
          f"{1e6 / us / 50:.0f} downtracks per node (a projection, not a measurement)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=4, help="meetings, one publisher each")
    parser.add_argument("--start", type=int, default=150,
                        help="downtracks per worker at the first step")
    parser.add_argument("--step", type=int, default=25, help="downtracks per worker added per step")
    parser.add_argument("--max", type=int, default=500, help="largest load per worker")
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring window per step")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="publishers running before it, after the joins")
    parser.add_argument("--workers", default="1,2", help="configurations to run, in order")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or '?'}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    # Before any event loop exists (it forks).
    print(f"machine scaling: two busy Python processes do {machine_scaling():.2f}x the work of "
          "one (a CPU-bound loop: what the CPUs alone allow)")
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(args))
    else:
        uvloop.run(run(args))
    print(f"machine scaling, again: {machine_scaling():.2f}x (the CPUs are virtual and shared: "
          "it varies, and so does everything above)")


async def run(args: argparse.Namespace) -> None:
    loop = type(asyncio.get_running_loop())
    print(f"client: one process ({loop.__module__}.{loop.__name__}) with every publisher and "
          f"subscriber; {args.meetings} meetings, one Opus publisher each (50 packets/s); "
          f"{args.seconds:g} s window per step after {args.warmup:g} s settling")
    print(f"other: CPUs used by processes other than the nodes, Redis and this one during "
          f"the window (the machine is shared: a step waits for under {QUIET:g} and is "
          f"retried up to {ATTEMPTS} times; ! = still above)")
    print(f"delivered: of the publishers' packets in the window x subscribers, the share "
          f"that reached the subscribers by {GRACE:g} s after it (publishers pause before and "
          "after each window, so nothing is in flight at its ends; * = still not drained "
          f"{DRAIN:g} s into the pause before it); node CPU, µs/packet: the node process's CPU "
          "time in the window, per packet it forwarded; fwd: a packet's arrival to its hand-off"
          " to a subscriber's sender; lag: event-loop lag; client, c.lag: this process; busy: "
          "both CPUs; sock.drops: datagrams dropped at full socket buffers (the nodes', the "
          "client's not kernel-counted ones); lost: peer connections down; check: the check "
          "subscriber's tap count / a kernel-counted subscriber's count, same meeting\n")
    packets = encode_tone(440, 4.0)
    print(HEADER)
    results: dict[int, list[Step]] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        results[workers] = await run_configuration(workers, args, packets)
    summary(results)


if __name__ == "__main__":
    main()
