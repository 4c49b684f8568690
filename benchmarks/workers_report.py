"""What the workers benchmark prints: the legend and a row per step, then
side by side the delivery at each load per worker, the largest load each
configuration carries and the ratio."""

from __future__ import annotations

import os
from collections.abc import Callable

from benchmarks.printing import fmt
from benchmarks.workers_window import ATTEMPTS, DRAIN, GRACE, QUIET, NodeStep, Step

CARRIED = 99.0  # % delivered for a load to count as carried

LEGEND = (
    f"other: CPUs used by processes other than the nodes, Redis and this one during "
    f"the window (the machine is shared: a step waits for under {QUIET:g} and is "
    f"retried up to {ATTEMPTS} times; ! = still above)\n"
    f"delivered: of the publishers' packets in the window x subscribers, the share "
    f"that reached the subscribers by {GRACE:g} s after it (publishers pause before and "
    "after each window, so nothing is in flight at its ends; * = still not drained "
    f"{DRAIN:g} s into the pause before it); node CPU, µs/packet: the node process's CPU "
    "time in the window, per packet it forwarded; fwd: a packet's arrival to its hand-off"
    " to a subscriber's sender; lag: event-loop lag; client, c.lag: this process; busy: "
    "both CPUs; sock.drops: datagrams dropped at full socket buffers (the nodes', the "
    "client's not kernel-counted ones); lost: peer connections down; check: the check "
    "subscriber's tap count / a kernel-counted subscriber's count, same meeting\n"
)

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
    """Carried: at least CARRIED % delivered, with no backlog from before
    the window and no peer connection lost."""
    return step.delivered_pct >= CARRIED and step.drained and not step.lost


def carried(steps: list[Step]) -> Step | None:
    """The largest load carried, stepping up from the smallest: the step
    before the first one below the bar."""
    best = None
    for step in steps:
        if not carries(step):
            break
        best = step
    return best


def _workers(count: int) -> str:
    return f"{count} worker" + ("s" if count > 1 else "")


def side_by_side(results: dict[int, list[Step]]) -> None:
    workers = sorted(results)
    by_load = {w: {s.downtracks // w: s for s in results[w]} for w in workers}
    loads = sorted({load for steps in by_load.values() for load in steps})
    print("\nside by side, by load per worker (delivered; node CPU µs per forwarded packet)")
    print("per worker" + "".join(f"  | {_workers(w):>9} {'delivered':>10} {'µs/packet':>11}"
                                 for w in workers))
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
    """What the steps add up to, for each configuration and between them."""
    side_by_side(results)
    best = {w: carried(steps) for w, steps in results.items()}
    workers = sorted(results)
    noisy = [s for steps in results.values() for s in steps if s.others > QUIET]
    if noisy:
        print(f"\nwarning: other processes used more than {QUIET:g} CPUs during "
              f"{len(noisy)} step(s) (marked !), even after waiting and retrying")
    print(f"\nlargest load carried at >= {CARRIED:g} % delivery")
    print(f"{'':34}" + "".join(f"{_workers(w):>14}" for w in workers))

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


