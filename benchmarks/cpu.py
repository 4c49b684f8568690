"""What the machine and its processes spend, as the benchmarks measure it:
a process's CPU time and the machine's busy time from /proc, how well two
busy processes scale here, and how late this process's event loop runs."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str) -> float:
    """User and system CPU seconds of a process (``"self"``: this one)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of all CPUs busy between two :func:`machine_busy` readings."""
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def other_cpus(share: float, ours: float, seconds: float) -> float:
    """CPUs that processes other than ours used over ``seconds`` in which all
    CPUs were busy for ``share`` of the time and ours used ``ours`` CPU
    seconds: the machine is shared, and they skew what ours measure."""
    return max(0.0, share * (os.cpu_count() or 1) - ours / seconds)


def _spin(seconds: float, out: Any) -> None:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        for _ in range(1000):
            n += 1
    out.put(n)


def machine_scaling(seconds: float = 1.5) -> float:
    """How much more pure-Python work two busy processes do than one, here
    (2.0 would be perfect): what the hardware alone allows, for reference.
    Call it before any event loop exists: it forks."""

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
