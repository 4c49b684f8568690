"""Edits of a meeting: each takes the current meeting and a validated request
and returns the new meeting, or raises Invalid naming the field.

They run inside the store's transaction (as the mutation of ``update``), so
they see the stored meeting, never a copy a client read earlier. The stored
agenda is kept in chronological order. Pure module: no I/O.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agenda.model import AgendaItem, Booth, Meeting, Venue
from agenda.schemas import ItemCreate, ItemPatch, MeetingPatch
from agenda.store import NotFound
from agenda.validation import Invalid, Problem, checked_meeting, parse

# Request-level fields, not part of the stored document.
_CONTROL = {"version", "shift_following"}


def _chronological(meeting: Meeting) -> Meeting:
    items = sorted(meeting.items, key=lambda item: item.start)
    return meeting.model_copy(update={"items": items})


def _document(meeting: Meeting) -> dict[str, Any]:
    return meeting.model_dump()


def item_index(meeting: Meeting, item_id: str) -> int:
    """Position of the item in the stored agenda; NotFound if absent."""
    for index, item in enumerate(meeting.items):
        if item.id == item_id:
            return index
    raise NotFound(f"item {item_id!r}")


def patch_meeting(current: Meeting, body: object) -> Meeting:
    """Replace the fields the body names (languages, venues, items, ...)."""
    patch = parse(MeetingPatch, body)
    changes = patch.model_dump(exclude_unset=True, exclude=_CONTROL)
    changed = checked_meeting({**_document(current), **changes})
    return _chronological(changed)


def add_item(current: Meeting, body: object) -> Meeting:
    """Append an item (reported at index ``len(items)``), then sort by time."""
    index = len(current.items)
    create = parse(ItemCreate, body, prefix=f"items[{index}]")
    if create.id in {item.id for item in current.items}:
        raise Invalid([Problem(
            error="duplicate_id", field=f"items[{index}].id", item=create.id,
            message=f"the agenda already has an item {create.id!r}",
        )])
    after = max((item.end for item in current.items), default=current.start)
    item = create.to_item(after)
    document = _document(current)
    document["items"] = [*document["items"], item.model_dump()]
    return _chronological(checked_meeting(document, focus=frozenset({item.id})))


def patch_item(current: Meeting, item_id: str, body: object) -> Meeting:
    """Change an item's fields. With ``shift_following`` (the default) every
    item that starts after it moves by the change of its end time, so a
    longer speech pushes the rest of the agenda rather than overlapping it."""
    index = item_index(current, item_id)
    patch = parse(ItemPatch, body, prefix=f"items[{index}]")
    old = current.items[index]
    changes = patch.model_dump(exclude_unset=True, exclude=_CONTROL)
    new = parse(AgendaItem, {**old.model_dump(), **changes}, prefix=f"items[{index}]")
    delta = new.end - old.end
    items: list[dict[str, Any]] = []
    for other in current.items:
        if other.id == item_id:
            items.append(new.model_dump())
        elif patch.shift_following and delta and other.start >= old.start:
            items.append({**other.model_dump(), "start": other.start + delta})
        else:
            items.append(other.model_dump())
    document = {**_document(current), "items": items}
    return _chronological(checked_meeting(document, focus=frozenset({item_id})))


def delete_item(current: Meeting, item_id: str) -> Meeting:
    """Remove an item; the items after it keep their times (reorder closes gaps)."""
    item_index(current, item_id)
    items = [item for item in current.items if item.id != item_id]
    return current.model_copy(update={"items": items})


def reorder(current: Meeting, order: list[str]) -> Meeting:
    """Lay the items out in ``order``, back to back from the earliest start.

    ``order`` must name every item once. Gaps between items close: a pause
    that should survive is a ``break`` item, which moves like any other.
    """
    known = [item.id for item in current.items]
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, ident in enumerate(order):
        if ident not in known:
            problems.append(Problem(error="unknown_item", field=f"order[{number}]",
                                    item=ident, message=f"the agenda has no item {ident!r}"))
        elif ident in seen:
            problems.append(Problem(error="duplicate_id", field=f"order[{number}]",
                                    item=ident, message=f"item {ident!r} is listed twice"))
        seen.add(ident)
    missing = [ident for ident in known if ident not in seen]
    if missing:
        problems.append(Problem(
            error="incomplete_order", field="order",
            message="the order must list every item; missing: " + ", ".join(missing),
        ))
    if problems:
        raise Invalid(problems)
    by_id = {item.id: item for item in current.items}
    clock: datetime = min(item.start for item in current.items)
    items: list[dict[str, Any]] = []
    for ident in order:
        item = by_id[ident]
        items.append({**item.model_dump(), "start": clock})
        clock += timedelta(seconds=item.duration)
    return checked_meeting({**_document(current), "items": items})


def put_venue(current: Meeting, venue: Venue) -> Meeting:
    """Create or replace a venue (replacing keeps its place in the list)."""
    venues = [v.model_dump() for v in current.venues if v.id != venue.id]
    place = next((i for i, v in enumerate(current.venues) if v.id == venue.id), len(venues))
    venues.insert(place, venue.model_dump())
    return checked_meeting({**_document(current), "venues": venues})


def delete_venue(current: Meeting, venue_id: str) -> Meeting:
    """Remove a venue; Invalid while a speaker is still placed there."""
    if current.venue(venue_id) is None:
        raise NotFound(f"venue {venue_id!r}")
    venues = [v.model_dump() for v in current.venues if v.id != venue_id]
    return checked_meeting({**_document(current), "venues": venues})


def put_booth(current: Meeting, booth: Booth) -> Meeting:
    """Create or replace a booth (replacing keeps its place in the list)."""
    booths = [b.model_dump() for b in current.booths if b.id != booth.id]
    place = next((i for i, b in enumerate(current.booths) if b.id == booth.id), len(booths))
    booths.insert(place, booth.model_dump())
    return checked_meeting({**_document(current), "booths": booths})


def delete_booth(current: Meeting, booth_id: str) -> Meeting:
    if current.booth(booth_id) is None:
        raise NotFound(f"booth {booth_id!r}")
    booths = [b.model_dump() for b in current.booths if b.id != booth_id]
    return checked_meeting({**_document(current), "booths": booths})


def new_meeting(body: dict[str, Any]) -> Meeting:
    """A meeting to create: the model's rules and the schedule rules. A
    ``version`` in the body is ignored; the store starts at 1."""
    document = {key: value for key, value in body.items() if key != "version"}
    return _chronological(checked_meeting(document))
