"""Ten minutes of simulated time: the venue's playout latency stays bounded
although the sound card runs at a slightly different rate than the network."""

from __future__ import annotations

import random

import numpy as np
import pytest

from client.venue.drift import DriftBuffer

RATE = 48000
BLOCK = 480  # the PA writes 10 ms blocks
PACKET = 960  # the network delivers 20 ms packets


@pytest.mark.parametrize("card_skew", [0.001, -0.001, 0.003, -0.003])
def test_latency_stays_bounded_for_ten_minutes(
    card_skew: float, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(3)
    buffer = DriftBuffer(target=0.06)
    card_rate = RATE * (1 + card_skew)
    t = 0.0
    sent = 0
    next_packet = 0.0
    next_block = 0.0
    tone = np.sin(2 * np.pi * 440 * np.arange(PACKET) / RATE).astype(np.float32)
    fills = []
    while t < 600.0:
        if next_packet <= next_block:
            t = next_packet
            buffer.push(tone)
            sent += 1
            # Each packet is late by its own network jitter (0-8 ms).
            next_packet = sent * PACKET / RATE + rng.uniform(0.0, 0.008)
        else:
            t = next_block
            buffer.pull(BLOCK)
            next_block += BLOCK / card_rate
            if t > 30:  # after the first adaptation
                fills.append(buffer.fill)
    worst = max(fills)
    with capsys.disabled():
        print(f"\n  venue playout, card skew {card_skew:+.3%}: playout latency "
              f"{min(fills) * 1000:.0f}–{worst * 1000:.0f} ms over 10 simulated minutes, underruns "
              f"{buffer.underruns}, dropped {buffer.dropped}")
    assert worst < 0.12
    assert min(fills) > 0.01
    assert buffer.underruns == 0 and buffer.dropped == 0


def test_a_burst_after_a_stall_is_cut_back_to_the_target() -> None:
    buffer = DriftBuffer(target=0.06, limit=0.25)
    buffer.push(np.zeros(RATE, dtype=np.float32))  # a second arrives at once
    assert buffer.fill <= 0.061 and buffer.dropped > 0


def test_starved_buffer_plays_silence_and_restarts() -> None:
    buffer = DriftBuffer(target=0.02)
    assert not buffer.pull(480).any()
    buffer.push(np.ones(1200, dtype=np.float32))
    assert buffer.pull(480).mean() == pytest.approx(1.0, abs=0.01)
    buffer.pull(960)
    assert buffer.underruns == 1
