"""An hour of simulated input: tracks on different clocks, with jitter,
silences and a channel switch, stay within 40 ms of each other."""

from __future__ import annotations

import random

import pytest

from recordings.clock import TrackClock

RATE = 48000
FRAME = 960
HOUR = 3600.0


def simulate(skew: float, seed: int, gaps: bool = False, switch_at: float | None = None
             ) -> list[tuple[float, int | None]]:
    """(true media time, placed position) for an hour of 20 ms packets from a
    source whose clock runs ``skew`` fast, arriving with jitter."""
    rng = random.Random(seed)
    clock = TrackClock(RATE, start=0.0)
    out = []
    pts = rng.randrange(1 << 20)
    t = 0.0
    while t < HOUR:
        if gaps and 600 < t % 900 < 620:  # 20 s of nothing every 15 min
            t += FRAME / RATE
            pts += round(FRAME * (1 + skew))
            continue
        if switch_at is not None and t >= switch_at:
            pts += 123_456_789  # a new source: unrelated timestamps
            switch_at = None
        jitter = rng.expovariate(1 / 0.008)  # mostly a few ms, sometimes 30+
        placed = clock.place(pts, t + 0.005 + jitter, FRAME)
        out.append((t, placed))
        t += FRAME / RATE
        pts += round(FRAME * (1 + skew))
    return out


@pytest.mark.parametrize(
    ("skew", "gaps", "switch"),
    [(0.001, False, None), (-0.001, False, None), (0.0005, True, 1800.0), (0.0, True, 900.0)],
)
def test_track_stays_within_40ms_of_wall_time_for_an_hour(
    skew: float, gaps: bool, switch: float | None
) -> None:
    placed = simulate(skew, seed=7, gaps=gaps, switch_at=switch)
    kept = [(t, p) for t, p in placed if p is not None]
    assert len(kept) > 0.97 * len(placed)
    errors = [abs(p / RATE - t) for t, p in kept[-500:]]
    assert max(errors) < 0.040, f"offset at the end: {max(errors) * 1000:.1f} ms"
    worst = max(abs(p / RATE - t) for t, p in kept[50:])
    assert worst < 0.080, f"worst offset over the hour: {worst * 1000:.1f} ms"


def test_two_tracks_on_opposite_clocks_end_aligned() -> None:
    fast = {round(t, 3): p for t, p in simulate(0.001, 1) if p is not None}
    slow = {round(t, 3): p for t, p in simulate(-0.001, 2) if p is not None}
    common = sorted(set(fast) & set(slow))[-200:]
    offsets = [abs(fast[t] - slow[t]) / RATE for t in common]
    assert max(offsets) < 0.040


def test_positions_never_go_back() -> None:
    clock = TrackClock(RATE, start=0.0)
    positions = [clock.place(i * FRAME, i * 0.02 + (0.05 if i == 10 else 0), FRAME)
                 for i in range(100)]
    kept = [p for p in positions if p is not None]
    assert kept == sorted(kept) and len(set(kept)) == len(kept)
