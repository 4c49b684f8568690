"""What each media line of a peer carries, and giving sources to lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from server.media.peer import SendSlot, ServerPeer
from server.media.tracks import Source
from server.protocol import MediaKind, Slot


def media_kind(kind: str) -> MediaKind:
    if kind not in ("audio", "video"):
        raise ValueError(f"not a media kind: {kind!r}")
    return cast(MediaKind, kind)


def describe_slots(peer: ServerPeer) -> list[Slot]:
    """What each media line of a peer carries, as the client is told."""
    described: list[Slot] = [
        Slot(mid=line.transceiver.mid or "", kind=media_kind(line.source.kind), use=line.use)
        for line in peer.receive_lines
    ]
    for slot in peer.send_slots:
        source = slot.track.source
        described.append(
            Slot(
                mid=slot.mid or "",
                kind=media_kind(slot.track.kind),
                use=slot.use,
                participant=source.owner if source is not None else None,
                channel=slot.channel or (source.channel if source is not None else None),
            )
        )
    return described


def assign(slots: list[SendSlot], sources: Iterable[Source]) -> None:
    """Give each wanted source a slot, keeping sources where they already are."""
    wanted = list(sources)
    keep = {id(s.track.source) for s in slots if s.track.source in wanted}
    free = [s for s in slots if id(s.track.source) not in keep or s.track.source is None]
    placed = {id(s.track.source) for s in slots if id(s.track.source) in keep}
    for source in wanted:
        if id(source) in placed:
            continue
        if not free:
            break
        free.pop(0).track.attach(source)
        placed.add(id(source))
    for slot in free:
        slot.track.attach(None)
