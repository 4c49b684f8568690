"""The live agenda and moderation of a running meeting (pure: time is
passed in as wall-clock seconds).

The current item decides the floor language; in moderated mode delegates
queue to speak and the chair grants the floor, with an optional speaking
time and a cap on open microphones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agenda.model import AgendaItem, Meeting


class LiveError(Exception):
    """A refused chair or delegate action; ``code`` is the protocol error code."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(slots=True)
class Hand:
    participant: str
    name: str
    raised_at: float


@dataclass(slots=True)
class Grant:
    participant: str
    name: str
    granted_at: float
    ends_at: float | None  # speaking time limit, if any


@dataclass
class LiveAgenda:
    meeting: Meeting
    started_at: float | None = None
    current: str | None = None
    item_started_at: float | None = None
    moderated: bool = False
    max_open_mics: int = 4
    hands: list[Hand] = field(default_factory=list)
    granted: dict[str, Grant] = field(default_factory=dict)

    @classmethod
    def of(cls, meeting: Meeting) -> LiveAgenda:
        return cls(meeting, moderated=meeting.moderated, max_open_mics=meeting.max_open_mics)

    # --- agenda -------------------------------------------------------------

    @property
    def items(self) -> list[AgendaItem]:
        return self.meeting.items

    def index(self) -> int | None:
        ids = [i.id for i in self.items]
        return ids.index(self.current) if self.current in ids else None

    def current_item(self) -> AgendaItem | None:
        return self.meeting.item(self.current) if self.current else None

    def start(self, now: float) -> AgendaItem:
        if not self.items:
            raise LiveError("bad_state", "the agenda has no items")
        if self.started_at is None:
            self.started_at = now
        return self.goto(self.current or self.items[0].id, now)

    def stop(self) -> None:
        self.started_at = None
        self.current = None
        self.item_started_at = None

    def step(self, delta: int, now: float) -> AgendaItem:
        if self.started_at is None:
            raise LiveError("bad_state", "the meeting has not started")
        index = self.index()
        # No current item (it was deleted while running): next or previous
        # starts again from the first.
        target = 0 if index is None else index + delta
        if not 0 <= target < len(self.items):
            where = "last" if delta > 0 else "first"
            raise LiveError("bad_state", f"this is the {where} item")
        return self.goto(self.items[target].id, now)

    def goto(self, item_id: str, now: float) -> AgendaItem:
        item = self.meeting.item(item_id)
        if item is None:
            raise LiveError("not_found", f"no agenda item {item_id!r}", field="item")
        if self.started_at is None:
            self.started_at = now
        if item_id != self.current:
            self.current = item_id
            self.item_started_at = now
        return item

    def floor_language(self) -> str | None:
        item = self.current_item()
        return item.floor_language if item is not None else None

    def replace_meeting(self, meeting: Meeting) -> None:
        """Edits arrived through the API: keep the live position if it still exists."""
        if meeting.moderated != self.meeting.moderated:
            self.set_moderated(meeting.moderated)
        self.meeting = meeting
        if self.current is not None and meeting.item(self.current) is None:
            self.current = None
            self.item_started_at = None
        self.max_open_mics = meeting.max_open_mics

    # --- moderation ---------------------------------------------------------

    def set_moderated(self, on: bool) -> None:
        self.moderated = on
        if not on:
            self.hands.clear()

    def raise_hand(self, participant: str, name: str, now: float) -> None:
        if not self.moderated:
            raise LiveError("bad_state", "the meeting is not moderated: just unmute")
        if participant in self.granted:
            raise LiveError("bad_state", "you have the floor already")
        if not any(h.participant == participant for h in self.hands):
            self.hands.append(Hand(participant, name, now))

    def lower_hand(self, participant: str) -> bool:
        before = len(self.hands)
        self.hands = [h for h in self.hands if h.participant != participant]
        return len(self.hands) != before

    def grant(self, participant: str, name: str, now: float, limit: float | None) -> Grant:
        if participant not in self.granted and len(self.granted) >= self.max_open_mics:
            raise LiveError(
                "limit", f"{self.max_open_mics} microphones are open already; revoke one first"
            )
        if limit is not None and limit <= 0:
            raise LiveError("invalid_message", "a speaking time must be positive", field="limit")
        self.lower_hand(participant)
        grant = Grant(participant, name, now, now + limit if limit else None)
        self.granted[participant] = grant
        return grant

    def set_limit(self, participant: str, limit: float | None, now: float) -> Grant:
        grant = self.granted.get(participant)
        if grant is None:
            raise LiveError("bad_state", "that participant does not have the floor")
        grant.ends_at = now + limit if limit else None
        return grant

    def revoke(self, participant: str) -> bool:
        return self.granted.pop(participant, None) is not None

    def expired(self, now: float) -> list[str]:
        """Speakers whose speaking time is up."""
        return [g.participant for g in self.granted.values() if g.ends_at and now >= g.ends_at]

    def forget(self, participant: str) -> None:
        self.lower_hand(participant)
        self.revoke(participant)
