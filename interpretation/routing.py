"""Who hears what: channel inputs and consoles' incoming (relay) choices.

Pure functions of the booths' states and the floor language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from interpretation.booth import BoothState

MAX_RELAY_STEPS = 3


@dataclass(frozen=True, slots=True)
class Incoming:
    """What a booth hears: the floor, or another booth's channel."""

    source: str  # "floor" or the relayed channel's language
    language: str | None  # the language heard
    steps: int  # 0 = the floor itself
    available: bool
    mode: Literal["auto", "manual"]


def channel_owners(booths: list[BoothState], on_air: set[str] | None = None) -> dict[str, str]:
    """Language -> booth live on it. ``on_air`` (booth ids) narrows it to
    booths whose interpreter's audio is actually arriving."""
    owners: dict[str, str] = {}
    for booth in booths:
        language = booth.live_language()
        if language is None or (on_air is not None and booth.id not in on_air):
            continue
        owners.setdefault(language, booth.id)
    return owners


def incoming(
    booth: BoothState, booths: list[BoothState], floor_language: str | None
) -> Incoming:
    by_id = {b.id: b for b in booths}
    return _incoming(booth, by_id, floor_language, frozenset())


def _incoming(
    booth: BoothState,
    booths: dict[str, BoothState],
    floor_language: str | None,
    visiting: frozenset[str],
) -> Incoming:
    if booth.incoming_mode == "manual":
        return _manual(booth, booths, floor_language, visiting)
    if floor_language is None or floor_language in booth.config.understands:
        return Incoming("floor", floor_language, 0, True, "auto")
    best: Incoming | None = None
    for other in booths.values():
        language = other.live_language()
        if (
            other.id == booth.id
            or other.id in visiting
            or language is None
            or language not in booth.config.understands
        ):
            continue
        upstream = _incoming(other, booths, floor_language, visiting | {booth.id})
        if not upstream.available or upstream.steps + 1 > MAX_RELAY_STEPS:
            continue
        candidate = Incoming(language, language, upstream.steps + 1, True, "auto")
        if best is None or candidate.steps < best.steps:
            best = candidate
    if best is not None:
        return best
    # Nobody to relay: the floor, flagged so the console can warn.
    return Incoming("floor", floor_language, 0, False, "auto")


def _manual(
    booth: BoothState,
    booths: dict[str, BoothState],
    floor_language: str | None,
    visiting: frozenset[str],
) -> Incoming:
    source = booth.incoming_manual
    if source == "floor":
        return Incoming("floor", floor_language, 0, True, "manual")
    if source == booth.live_language():
        # Never one's own voice: the booth chose this relay, then moved its
        # output onto that channel. It hears the floor until it chooses again.
        return Incoming("floor", floor_language, 0, True, "manual")
    owner = next((b for b in booths.values() if b.live_language() == source), None)
    if owner is None or owner.id in visiting or owner.id == booth.id:
        # The channel carries the floor while nobody is live on it.
        return Incoming(source, floor_language, 0, owner is not None, "manual")
    upstream = _incoming(owner, booths, floor_language, visiting | {booth.id})
    return Incoming(source, source, upstream.steps + 1, upstream.available, "manual")
