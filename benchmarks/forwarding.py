"""Forwarding benchmark: one Opus publisher, N subscribers, against the real
silkhall server and, in the same run, aiortc's stock MediaRelay path.

For each N it prints the server's CPU time per forwarded packet, the share
of packets delivered, the server-added latency (arrival to hand-off to the
subscriber's sender, sampled) and the server's event-loop lag, then the
ratio of the two servers' CPU per packet.

    .venv/bin/python benchmarks/forwarding.py [--subscribers 50,100,200,400] [--seconds 6]

Both servers run as their own processes; the publisher sends pre-encoded
Opus and subscribers count packets without decoding, so the client process
spends as little CPU as it can.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCSessionDescription

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cpu import cpu_seconds  # noqa: E402
from benchmarks.printing import fmt, machine  # noqa: E402
from server.auth.roles import Role  # noqa: E402
from server.auth.tokens import TokenAuthority, load_secret  # noqa: E402
from server.media.packets import EncodedPacket  # noqa: E402
from server.media.rtc import tap_of  # noqa: E402
from tests.support.live import free_port  # noqa: E402
from tests.support.opus import OpusPacketTrack, encode_tone  # noqa: E402
from tests.support.processes import stop  # noqa: E402
from tests.support.whip import WhipPublisher  # noqa: E402
from tests.support.wsclient import SignallingClient  # noqa: E402


@dataclass
class Result:
    server: str
    subscribers: int
    sent: int
    delivered: int
    cpu: float
    latency: dict[str, Any]
    loop_lag: dict[str, Any]

    @property
    def us_per_packet(self) -> float:
        return self.cpu / self.delivered * 1e6 if self.delivered else float("inf")

    @property
    def delivered_pct(self) -> float:
        expected = self.sent * self.subscribers
        return 100.0 * self.delivered / expected if expected else 0.0


class TapListener:
    """A WHEP listener on one channel that counts packets and never decodes."""

    def __init__(self, base: str, token: str, channel: str = "floor") -> None:
        self.base = base
        self.token = token
        self.channel = channel
        self.pc = client_pc_tap()
        self.count = 0

    async def start(self, http: httpx.AsyncClient) -> None:
        self.pc.addTransceiver("audio", direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        response = await http.post(
            f"{self.base}/whep/demo/{self.channel}", content=self.pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        response.raise_for_status()
        await self.pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))

        def sink(packet: EncodedPacket) -> None:
            self.count += 1

        tap_of(self.pc.getTransceivers()[0]).sink = sink


def client_pc_tap() -> Any:
    from aiortc import RTCConfiguration

    from server.media.rtc import PeerConnection

    return PeerConnection(["127.0.0.1"], RTCConfiguration(iceServers=[]))


@contextlib.asynccontextmanager
async def process(args: list[str], port: int) -> AsyncIterator[subprocess.Popen[bytes]]:
    # Popen returns at once; we poll the process, never wait on it blocking.
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"http://127.0.0.1:{port}/metrics")).status_code == 200:
                        break
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "died")
                await asyncio.sleep(0.1)
        yield proc
    finally:
        stop(proc)


@dataclass
class DemoServer:
    """A `silkhall serve` process with the demo meeting."""

    proc: subprocess.Popen[bytes]
    base: str
    data: Path
    authority: TokenAuthority

    @property
    def ws_url(self) -> str:
        return self.base.replace("http", "ws", 1) + "/ws"


@contextlib.asynccontextmanager
async def demo_server() -> AsyncIterator[DemoServer]:
    """One server on a fresh data directory seeded with the demo meeting."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "server.cli", "demo", "--data-dir", str(data), "--links-only"],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        authority = TokenAuthority(load_secret(data))
        port = free_port()
        cmd = [sys.executable, "-m", "server.cli", "serve", "--data-dir", str(data),
               "--port", str(port), "--log-level", "warning"]
        async with process(cmd, port) as proc:
            yield DemoServer(proc, f"http://127.0.0.1:{port}", data, authority)


async def wait_all(checks: list[Any], timeout: float = 120) -> int:
    """Wait for every peer to connect (or the timeout); how many did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c() for c in checks):
            break
        await asyncio.sleep(0.1)
    connected = sum(1 for c in checks if c())
    if connected < len(checks):
        print(f"  ({len(checks) - connected} of {len(checks)} peers did not connect "
              f"within {timeout:.0f} s; they count as not delivered)", flush=True)
    return connected


async def measure(base: str, pid: int, track: OpusPacketTrack, delivered: Any,
                  seconds: float, name: str, n: int) -> Result:
    """Count over one window with nothing in flight at either end: the
    publisher pauses before and after it, and the counts settle."""
    assert track.gate is not None
    async with httpx.AsyncClient() as http:
        track.gate.set()
        await asyncio.sleep(2.0)  # warm-up: routing settles, queues fill
        track.gate.clear()
        await asyncio.sleep(0.5)
        await http.get(f"{base}/metrics?reset=1")
        sent0, got0, cpu0 = track.sent, delivered(), cpu_seconds(pid)
        track.gate.set()
        await asyncio.sleep(seconds)
        track.gate.clear()
        await asyncio.sleep(0.5)
        sent1, got1, cpu1 = track.sent, delivered(), cpu_seconds(pid)
        metrics = (await http.get(f"{base}/metrics")).json()
    return Result(name, n, sent1 - sent0, got1 - got0, cpu1 - cpu0,
                  metrics["forward_latency_ms"], metrics["loop_lag_ms"])


async def run_silkhall(n: int, seconds: float, packets: list[bytes]) -> Result:
    async with demo_server() as server:
        # The publisher waits until everyone is in: joining under load is
        # not what this measures.
        track = OpusPacketTrack(packets, gate=asyncio.Event())
        token = server.authority.mint("demo", Role.DELEGATE, name="Speaker")
        publisher = SignallingClient(server.ws_url, token, mic=track, tap=True)
        await publisher.join()
        await publisher.send({"type": "media", "mic": True, "camera": False})
        subs = []
        for i in range(n):
            token = server.authority.mint("demo", Role.DELEGATE, name=f"Listener {i}")
            sub = SignallingClient(server.ws_url, token, tap=True)
            await sub.join(timeout=60)
            await sub.send({"type": "media", "mic": False, "camera": False})
            subs.append(sub)
        clients = [publisher, *subs]
        await wait_all([lambda c=c: c.pc is not None and c.pc.connectionState == "connected"
                        for c in clients])

        def delivered() -> int:
            return sum(sum(s.packets.get(m, 0) for m in s.mids("floor")) for s in subs)

        result = await measure(server.base, server.proc.pid, track, delivered, seconds,
                               "silkhall", n)
        for client in clients:
            await client.close()
        return result


async def run_naive(n: int, seconds: float, packets: list[bytes]) -> Result:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "naive_relay.py"), str(port)]
    async with process(cmd, port) as proc:
        track = OpusPacketTrack(packets, gate=asyncio.Event())
        publisher = WhipPublisher(base, "demo", "-", track)
        (await publisher.start()).raise_for_status()
        listeners = [TapListener(base, "-") for _ in range(n)]
        async with httpx.AsyncClient() as http:
            for listener in listeners:
                await listener.start(http)
        await wait_all([lambda p=p: p.connectionState == "connected"
                        for p in [publisher.pc, *(x.pc for x in listeners)]])
        result = await measure(base, proc.pid, track, lambda: sum(x.count for x in listeners),
                               seconds, "naive", n)
        for listener in listeners:
            await listener.pc.close()
        await publisher.pc.close()
        return result


def row(r: Result) -> str:
    lat = r.latency
    lag = r.loop_lag
    return (f"{r.server:9} {r.subscribers:5d} {r.us_per_packet:10.1f} {r.delivered_pct:9.1f}% "
            f"{fmt(lat.get('p50'), '.1f'):>7} {fmt(lat.get('p95'), '.1f'):>7} "
            f"{fmt(lat.get('p99'), '.1f'):>7} {fmt(lag.get('p99'), '.1f'):>9}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", default="50,100,200,400",
                        help="comma-separated subscriber counts")
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring window per run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    counts = [int(x) for x in args.subscribers.split(",")]
    packets = encode_tone(440, 4.0)
    print(machine())
    print(f"one Opus publisher (50 packets/s), {args.seconds:g} s window per run\n")
    print("server    subs  cpu µs/pkt  delivered  lat p50 lat p95 lat p99  lag p99 (ms)")
    results: list[tuple[Result, Result]] = []
    for n in counts:
        ours = await run_silkhall(n, args.seconds, packets)
        print(row(ours), flush=True)
        naive = await run_naive(n, args.seconds, packets)
        print(row(naive), flush=True)
        results.append((ours, naive))
    print("\nCPU per forwarded packet, silkhall / naive MediaRelay:")
    for ours, naive in results:
        ratio = ours.us_per_packet / naive.us_per_packet
        print(f"  {ours.subscribers:4d} subscribers: {ratio:.3f}  (1/{1 / ratio:.0f})")
    if args.json:
        args.json.write_text(json.dumps([[vars(a), vars(b)] for a, b in results], indent=1))


if __name__ == "__main__":
    asyncio.run(main())
