"""Where meetings are kept: the interface every store implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from agenda.model import Meeting


class StoreError(Exception):
    """Base of storage errors the API turns into HTTP answers."""


class NotFound(StoreError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class AlreadyExists(StoreError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} already exists")
        self.what = what


class StaleWrite(StoreError):
    """The write was based on an older version than the stored one."""

    def __init__(self, what: str, current_version: int, current: object) -> None:
        super().__init__(f"{what} was changed meanwhile (now version {current_version})")
        self.what = what
        self.current_version = current_version
        self.current = current


Mutation = Callable[[Meeting], Meeting]


class MeetingStore(Protocol):
    """Durable meeting data. Every method is atomic; an acknowledged write
    survives a crash of the process right after it returns."""

    async def get(self, meeting_id: str) -> Meeting | None: ...

    async def list(self) -> list[Meeting]: ...

    async def create(self, meeting: Meeting) -> Meeting:
        """Store a new meeting; AlreadyExists if the id is taken."""
        ...

    async def put(self, meeting: Meeting) -> Meeting:
        """Create or replace unconditionally (seeding, imports)."""
        ...

    async def update(self, meeting_id: str, mutation: Mutation) -> Meeting:
        """Apply ``mutation`` to the current meeting inside one transaction and
        store its result with the version bumped. The mutation raises
        StaleWrite (or any StoreError) to abort; NotFound if there is none."""
        ...

    async def delete(self, meeting_id: str, expected_version: int | None = None) -> None:
        """Delete; NotFound if absent, StaleWrite if ``expected_version`` is
        given and is not the stored version."""
        ...

    async def close(self) -> None: ...
