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
benchmarks/kernel_count.py). One subscriber per configuration keeps aiortc's
full receive path with a tap receiver; at every step its count is compared
with that of a kernel-counted subscriber of the same meeting ("check").

The parts: benchmarks/workers_load.py starts the nodes and the clients,
benchmarks/workers_window.py measures a step, benchmarks/workers_report.py
prints; this script steps the load and decides when to stop.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cpu import machine_scaling  # noqa: E402
from benchmarks.printing import machine  # noqa: E402
from benchmarks.workers_load import Configuration  # noqa: E402
from benchmarks.workers_report import HEADER, LEGEND, carries, row, summary  # noqa: E402
from benchmarks.workers_window import Step, measure  # noqa: E402
from tests.support.cluster import redis_server  # noqa: E402
from tests.support.opus import encode_tone  # noqa: E402

GIVE_UP = 95.0  # % delivered below which a configuration stops stepping


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
                    step = await measure(config, args.seconds, args.warmup)
                    note = f"joins {joined:.0f} s"
                    if not carries(step) and not step.lost and step.delivered_pct >= GIVE_UP:
                        # One window near the knee is noisy: a step not carried
                        # (but not far off) gets a second window, the better
                        # one counts.
                        again = await measure(config, args.seconds, 1.0)
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
    print(machine())
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
    print(LEGEND)
    packets = encode_tone(440, 4.0)
    print(HEADER)
    results: dict[int, list[Step]] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        results[workers] = await run_configuration(workers, args, packets)
    summary(results)


if __name__ == "__main__":
    main()
