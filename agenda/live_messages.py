"""The live agenda's state as protocol messages."""

from __future__ import annotations

import time

from agenda.live import LiveAgenda
from agenda.model import Meeting
from server.protocol import (
    AgendaItemInfo,
    AgendaItems,
    AgendaState,
    GrantInfo,
    HandInfo,
    ModerationState,
    SpeakerInfo,
)


def agenda_items(meeting: Meeting) -> AgendaItems:
    return AgendaItems(
        timezone=meeting.timezone,
        items=[
            AgendaItemInfo(
                id=item.id,
                kind=item.kind.value,
                title=item.title,
                start=item.start.isoformat().replace("+00:00", "Z"),
                duration=item.duration,
                floor_language=item.floor_language,
                speakers=[
                    SpeakerInfo(name=s.name, organisation=s.organisation, venue=s.venue,
                                language=s.language)
                    for s in item.speakers
                ],
            )
            for item in meeting.items
        ],
    )


def agenda_state(live: LiveAgenda, floor_language: str | None) -> AgendaState:
    return AgendaState(
        started=live.started_at is not None,
        current=live.current,
        index=live.index(),
        item_started_at=live.item_started_at,
        server_time=time.time(),
        floor_language=floor_language,
    )


def moderation_state(live: LiveAgenda) -> ModerationState:
    return ModerationState(
        moderated=live.moderated,
        max_open_mics=live.max_open_mics,
        hands=[HandInfo(participant=h.participant, name=h.name, raised_at=h.raised_at)
               for h in live.hands],
        granted=[GrantInfo(participant=g.participant, name=g.name, granted_at=g.granted_at,
                           ends_at=g.ends_at) for g in live.granted.values()],
        server_time=time.time(),
    )
