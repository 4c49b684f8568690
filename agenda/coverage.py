"""Interpretation coverage: can every listener follow every speaker?

For each agenda item and each language spoken in it (the floor language and
each speaker's), and for each language of the meeting: the floor already is
that language, a booth that understands the spoken language works into it
(on A or B), one relay step gets there (a booth works into a pivot language
another booth understands), or nothing does. Pure module: no I/O.

Each language is judged on its own: a booth has one live microphone, so a
plan that needs one booth on A and B at once is not flagged here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from agenda.languages import endonym
from agenda.model import AgendaItem, Booth, ItemKind, Meeting


class Reach(StrEnum):
    FLOOR = "floor"  # the speaker already speaks the listener's language
    DIRECT = "direct"  # one booth interprets from the floor
    RELAY = "relay"  # one booth interprets from another booth's output
    NONE = "none"


class Route(BaseModel):
    """How one spoken language reaches one listener language."""

    target: str
    reach: Reach
    booths: list[str] = Field(default_factory=list, description="booths in order, floor first")
    via: str | None = Field(default=None, description="pivot language of a relay")


class SourceCoverage(BaseModel):
    """Coverage of one language spoken in an item."""

    language: str
    floor: bool = Field(description="this is the item's floor language")
    speakers: list[str] = Field(description="speakers who speak it")
    routes: list[Route] = Field(description="one per meeting language")


class ItemCoverage(BaseModel):
    item: str
    index: int
    floor_language: str | None
    floor: list[Route] = Field(description="from the floor language, one per meeting language")
    sources: list[SourceCoverage]


class CoverageWarning(BaseModel):
    """Something an editor should fix (``warning``) or know (``info``)."""

    severity: Literal["warning", "info"]
    item: str
    field: str
    source_language: str | None
    targets: list[str]
    message: str


class CoverageReport(BaseModel):
    meeting: str
    version: int
    languages: list[str]
    items: list[ItemCoverage]
    warnings: list[CoverageWarning]


def _into(booth: Booth, target: str) -> bool:
    return target in booth.outputs()


def _ranked(booths: list[Booth], target: str) -> list[Booth]:
    # A booth working into its A language is preferred over one on retour.
    return sorted((b for b in booths if _into(b, target)), key=lambda b: b.a != target)


def route(booths: list[Booth], source: str, target: str) -> Route:
    """The best way ``source`` reaches ``target`` with these booths."""
    if source == target:
        return Route(target=target, reach=Reach.FLOOR)
    takers = [b for b in booths if source in b.understands]
    for booth in _ranked(takers, target):
        return Route(target=target, reach=Reach.DIRECT, booths=[booth.id])
    for first in takers:
        for pivot in first.outputs():
            if pivot in (source, target):
                continue
            relays = [b for b in booths if b.id != first.id and pivot in b.understands]
            for second in _ranked(relays, target):
                return Route(
                    target=target, reach=Reach.RELAY, booths=[first.id, second.id], via=pivot
                )
    return Route(target=target, reach=Reach.NONE)


def _spoken(item: AgendaItem) -> list[tuple[str, list[str]]]:
    """Languages spoken in the item, floor language first, with their speakers."""
    languages: dict[str, list[str]] = {}
    if item.floor_language is not None:
        languages[item.floor_language] = []
    for speaker in item.speakers:
        languages.setdefault(speaker.language, []).append(speaker.name)
    return list(languages.items())


def _field(item: AgendaItem, index: int, language: str) -> str:
    if item.floor_language == language:
        return f"items[{index}].floor_language"
    for number, speaker in enumerate(item.speakers):
        if speaker.language == language:
            return f"items[{index}].speakers[{number}].language"
    return f"items[{index}]"


def _warnings(
    meeting: Meeting, item: AgendaItem, index: int, source: SourceCoverage
) -> list[CoverageWarning]:
    who = ", ".join(source.speakers) if source.speakers else "the floor"
    lost = [r.target for r in source.routes if r.reach is Reach.NONE]
    relayed = [r for r in source.routes if r.reach is Reach.RELAY]
    field = _field(item, index, source.language)
    found: list[CoverageWarning] = []
    if lost:
        takes = any(source.language in b.understands for b in meeting.booths)
        why = (
            f"no booth understands {endonym(source.language)} ({source.language})"
            if not takes
            else f"no booth works from {source.language} into these, even by relay"
        )
        found.append(CoverageWarning(
            severity="warning", item=item.id, field=field, source_language=source.language,
            targets=lost,
            message=f"{item.id}: {who} ({source.language}) cannot be followed in "
            f"{', '.join(lost)}: {why}",
        ))
    for relay in relayed:
        found.append(CoverageWarning(
            severity="info", item=item.id, field=field, source_language=source.language,
            targets=[relay.target],
            message=f"{item.id}: {source.language} reaches {relay.target} by relay: "
            f"{relay.booths[0]} booth ({source.language}→{relay.via}), then "
            f"{relay.booths[1]} booth ({relay.via}→{relay.target})",
        ))
    return found


def coverage(meeting: Meeting) -> CoverageReport:
    """Routes for every item, spoken language and meeting language, and the
    warnings an agenda editor should see. Breaks have nothing to interpret."""
    items: list[ItemCoverage] = []
    warnings: list[CoverageWarning] = []
    for index, item in enumerate(meeting.items):
        if item.kind == ItemKind.BREAK:
            continue
        sources = [
            SourceCoverage(
                language=language,
                floor=language == item.floor_language,
                speakers=speakers,
                routes=[route(meeting.booths, language, t) for t in meeting.languages],
            )
            for language, speakers in _spoken(item)
        ]
        floor = next((s.routes for s in sources if s.floor), [])
        items.append(ItemCoverage(
            item=item.id, index=index, floor_language=item.floor_language,
            floor=floor, sources=sources,
        ))
        if not sources:
            warnings.append(CoverageWarning(
                severity="info", item=item.id, field=f"items[{index}].floor_language",
                source_language=None, targets=[],
                message=f"{item.id}: no floor language and no speakers; "
                "interpreters will not know what to expect",
            ))
        for source in sources:
            warnings.extend(_warnings(meeting, item, index, source))
    return CoverageReport(
        meeting=meeting.id, version=meeting.version, languages=meeting.languages,
        items=items, warnings=warnings,
    )
