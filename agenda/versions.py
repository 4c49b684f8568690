"""Version numbers of meetings and agenda items, and the checks on them.

Every stored write bumps the meeting's version; an item's version moves only
when that item's content changes. A client names the version its edit is based
on; a mismatch is a :class:`~agenda.store.StaleWrite`, so two editors never
silently overwrite each other. Pure module: no I/O.
"""

from __future__ import annotations

from agenda.model import AgendaItem, Meeting
from agenda.store import NotFound, StaleWrite


def expect_meeting(current: Meeting, expected: int | None) -> None:
    """Raise StaleWrite unless ``expected`` is None or the current version."""
    if expected is not None and expected != current.version:
        raise StaleWrite(f"meeting {current.id!r}", current.version, current)


def expect_item(current: Meeting, item_id: str, expected: int | None) -> AgendaItem:
    """The current item; StaleWrite if ``expected`` names another version."""
    item = current.item(item_id)
    if item is None:
        raise NotFound(f"item {item_id!r}")
    if expected is not None and expected != item.version:
        raise StaleWrite(f"item {item_id!r}", item.version, item)
    return item


def _content(item: AgendaItem) -> str:
    return item.model_copy(update={"version": 0}).model_dump_json()


def next_versions(before: Meeting | None, after: Meeting) -> Meeting:
    """``after`` as stored on top of ``before``: the meeting version one above
    the old one and each item's version bumped if its content changed.

    Client-supplied version numbers are ignored, so versions only ever grow
    for a given id and an old copy can never match again.
    """
    old_items = {} if before is None else {i.id: i for i in before.items}
    items: list[AgendaItem] = []
    for item in after.items:
        old = old_items.get(item.id)
        if old is None:
            version = 1
        elif _content(old) == _content(item):
            version = old.version
        else:
            version = old.version + 1
        items.append(item.model_copy(update={"version": version}))
    version = 1 if before is None else before.version + 1
    return after.model_copy(update={"version": version, "items": items})
