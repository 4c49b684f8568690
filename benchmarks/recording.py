"""Recording benchmark: what recording a meeting costs the real server.

One `silkhall serve` process with the demo meeting, one WHIP venue feeding
pre-encoded Opus to the floor, and a listener on the floor and on each of the
demo's language channels (fr, zh, en), so every channel is produced whether
or not a recording runs. The same load is measured in alternating windows
without and with a recording running; the difference in the server's CPU
(from /proc) is the recorder's: per recorded track, and per recorded packet
(counted in the finished file, within the window), each window with a
recording compared with the windows without on either side. Finishing a recording
(joining its part files into one Matroska file) is timed too.

    .venv/bin/python benchmarks/recording.py [--rounds 5] [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cpu import cpu_seconds  # noqa: E402
from benchmarks.forwarding import TapListener, demo_server  # noqa: E402
from benchmarks.printing import machine  # noqa: E402
from server.auth.roles import Role  # noqa: E402
from tests.support.opus import OpusPacketTrack, encode_tone  # noqa: E402
from tests.support.whip import WhipPublisher  # noqa: E402

CHANNELS = ("floor", "fr", "zh", "en")
SETTLE = 1.0  # s after starting a recording before its window opens


@dataclass
class Window:
    recording: bool
    seconds: float
    cpu: float  # server CPU seconds in the window
    delivered: int  # packets the channel listeners received
    recorded: int = 0  # packets written into the recording within the window
    tracks: int = 0
    finish_cpu: float = 0.0  # server CPU seconds to stop and finish the file
    finish_wall: float = 0.0
    recorded_seconds: float = 0.0

    @property
    def load(self) -> float:
        return self.cpu / self.seconds


def packets_between(path: Path, start: float, end: float) -> tuple[int, int]:
    """Packets of the file's audio tracks with a timestamp in [start, end), and
    how many audio tracks it has (counting only, no decoding)."""
    count = 0
    with av.open(str(path)) as container:
        streams = list(container.streams.audio)
        for packet in container.demux(streams):
            if packet.pts is not None and start <= float(packet.pts * packet.time_base) < end:
                count += 1
    return count, len(streams)


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each of the process's threads, to the nanosecond."""
    times = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            times[task.name] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return times


def cpu_snapshot(pid: int) -> tuple[dict[str, float], float]:
    return thread_cpu(pid), cpu_seconds(pid)


def cpu_between(before: tuple[dict[str, float], float],
                after: tuple[dict[str, float], float]) -> float:
    """Server CPU seconds between two snapshots: the per-thread nanosecond
    counters if the threads stayed the same, else the process's clock ticks
    (which also count threads that ended)."""
    if before[0].keys() == after[0].keys():
        return sum(after[0].values()) - sum(before[0].values())
    return after[1] - before[1]


async def measure(pid: int, seconds: float, delivered: Any) -> tuple[float, int]:
    """Server CPU seconds and packets delivered over a window."""
    cpu0, got0 = cpu_snapshot(pid), delivered()
    await asyncio.sleep(seconds)
    return cpu_between(cpu0, cpu_snapshot(pid)), delivered() - got0


async def run(rounds: int, seconds: float) -> list[Window]:
    packets = encode_tone(440, 4.0)
    windows: list[Window] = []
    async with demo_server() as server:
        pid = server.proc.pid
        organiser = server.authority.mint("demo", Role.ORGANISER, name="Secretariat")
        async with httpx.AsyncClient(
            base_url=server.base, headers={"Authorization": f"Bearer {organiser}"}, timeout=60
        ) as http:
            lyon = server.authority.mint("demo", Role.VENUE, venue="lyon")
            venue = WhipPublisher(server.base, "demo", lyon, OpusPacketTrack(packets))
            (await venue.start()).raise_for_status()
            taps = [TapListener(server.base,
                                server.authority.mint("demo", Role.DELEGATE, name=f"Ear {c}"), c)
                    for c in CHANNELS]
            for tap in taps:
                await tap.start(http)
            deadline = time.monotonic() + 30
            while not all(t.count > 0 for t in taps):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"channels silent: {[(t.channel, t.count) for t in taps]}")
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)  # warm-up

            def delivered() -> int:
                return sum(t.count for t in taps)

            async def quiet() -> None:
                await asyncio.sleep(SETTLE)
                cpu, got = await measure(pid, seconds, delivered)
                windows.append(Window(False, seconds, cpu, got))
                print(row(windows[-1]), flush=True)

            # A first, short recording warms up what the first one loads.
            response = await http.post("/api/meetings/demo/recordings")
            response.raise_for_status()
            await asyncio.sleep(SETTLE)
            (await http.post(f"/api/recordings/{response.json()['id']}/stop")).raise_for_status()

            await quiet()
            for _ in range(rounds):
                response = await http.post("/api/meetings/demo/recordings")
                response.raise_for_status()
                origin = time.monotonic()  # ≈ the recording's timeline zero
                rid = response.json()["id"]
                await asyncio.sleep(SETTLE)
                start = time.monotonic() - origin
                cpu, got = await measure(pid, seconds, delivered)
                end = time.monotonic() - origin
                cpu0, wall0 = cpu_snapshot(pid), time.monotonic()
                stopped = await http.post(f"/api/recordings/{rid}/stop")
                stopped.raise_for_status()
                finish_cpu = cpu_between(cpu0, cpu_snapshot(pid))
                finish_wall = time.monotonic() - wall0
                path = server.data / "recordings" / "demo" / rid / f"{rid}.mkv"
                recorded, tracks = await asyncio.to_thread(packets_between, path, start, end)
                windows.append(Window(True, seconds, cpu, got, recorded, tracks, finish_cpu,
                                      finish_wall, stopped.json()["duration"]))
                print(row(windows[-1]), flush=True)
                await quiet()

            for tap in taps:
                await tap.pc.close()
            await venue.stop()
    return windows


def row(w: Window) -> str:
    what = f"recording ({w.tracks} tracks)" if w.recording else "no recording"
    text = (f"  {what:22} {w.load * 100:6.2f}% of a core, {w.delivered / w.seconds:6.0f} pkt/s "
            "to listeners")
    if w.recording:
        text += (f", {w.recorded / w.seconds:4.0f} pkt/s recorded; finishing "
                 f"{w.recorded_seconds:.1f} s took {w.finish_cpu * 1000:.0f} ms CPU")
    return text


def report(windows: list[Window]) -> None:
    """Each window with a recording against the mean of the windows without
    one on either side of it, so a machine whose load drifts (shared, noisy)
    skews the difference less."""
    extras, per_packet = [], []
    for i, w in enumerate(windows):
        if w.recording:
            around = (windows[i - 1].load + windows[i + 1].load) / 2
            extra = w.load - around
            extras.append(extra)
            per_packet.append(extra * w.seconds / w.recorded if w.recorded else float("nan"))
    on = [w for w in windows if w.recording]
    off = [w for w in windows if not w.recording]
    tracks = on[0].tracks
    extra = statistics.median(extras)
    packet = statistics.median(per_packet)
    rate = statistics.mean(w.recorded / w.seconds for w in on)
    finish = sum(w.finish_cpu for w in on) / sum(w.recorded_seconds for w in on)
    expected = 50 * len(CHANNELS)
    starved = [w for w in windows if w.delivered / w.seconds < 0.95 * expected]
    print(f"\nserver CPU without recording: {statistics.mean(w.load for w in off) * 100:.2f}% "
          f"of a core; with: {statistics.mean(w.load for w in on) * 100:.2f}%")
    print(f"recorder ({tracks} tracks, median of {len(extras)}): {extra * 100:.2f}% of a core "
          f"(range {min(extras) * 100:.2f} to {max(extras) * 100:.2f}) = "
          f"{extra / tracks * 100:.2f}% of a core per recorded track")
    print(f"          {packet * 1e6:.0f} µs of CPU per recorded packet "
          f"(range {min(per_packet) * 1e6:.0f} to {max(per_packet) * 1e6:.0f}; "
          f"{rate:.0f} packets/s recorded)")
    print(f"finishing: {finish * 1000:.1f} ms of CPU per recorded second "
          f"({finish * 3600:.0f} s of CPU for an hour)")
    if starved:
        print(f"note: in {len(starved)} window(s) listeners got under 95% of the packets: "
              f"the machine was busy (load average {os.getloadavg()[0]:.1f}); "
              "figures are noisier")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="windows with a recording (each between two without)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each window")
    args = parser.parse_args()
    print(machine())
    print(f"one WHIP venue (pre-encoded Opus, 50 packets/s), a listener on each of "
          f"{', '.join(CHANNELS)}; windows of {args.seconds:g} s, {args.rounds} with a recording "
          f"between {args.rounds + 1} without; load average {os.getloadavg()[0]:.1f}\n")
    report(await run(args.rounds, args.seconds))


if __name__ == "__main__":
    asyncio.run(main())
