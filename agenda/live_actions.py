"""Chair and delegate messages of the live agenda, registered with the
dispatcher."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from agenda.live import LiveError
from server.auth.roles import Permission
from server.participant import Participant
from server.protocol import (
    AgendaGoto,
    ErrorCode,
    GrantFloor,
    ParticipantUpdated,
    ProtocolError,
    RevokeFloor,
    SetModerated,
    SpeakingLimit,
)
from server.room import Room

Handler = Callable[[Any, Participant, Room, Any], Awaitable[None]]
Register = Callable[[str, Permission, Handler], None]


def _refusing(apply: Callable[[Room, Participant, Any, float], None]) -> Handler:
    async def handler(session: Any, participant: Participant, room: Room, message: Any) -> None:
        try:
            apply(room, participant, message, time.time())
        except LiveError as error:
            raise ProtocolError(
                ErrorCode(error.code), error.message, field=error.field, ref=str(message.type)
            ) from error

    return handler


def _target(room: Room, participant_id: str) -> Participant:
    target = room.participants.get(participant_id)
    if target is None:
        raise LiveError("not_found", f"no participant {participant_id!r}", field="participant")
    return target


def _moderation_changed(room: Room) -> None:
    """Announce the queue, and keep each participant's ``hand_raised`` in step with it."""
    raised = {hand.participant for hand in room.live.hands}
    for participant in room.participants.values():
        if participant.hand_raised != (participant.id in raised):
            participant.hand_raised = participant.id in raised
            room.broadcast(ParticipantUpdated(participant=participant.info()))
    room.moderation_changed()


def _start(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.start(now)
    room.agenda_changed()


def _stop(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.stop()
    room.agenda_changed()


def _next(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.step(+1, now)
    room.agenda_changed()


def _previous(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.step(-1, now)
    room.agenda_changed()


def _goto(room: Room, p: Participant, m: AgendaGoto, now: float) -> None:
    room.live.goto(m.item, now)
    room.agenda_changed()


def _moderated(room: Room, p: Participant, m: SetModerated, now: float) -> None:
    room.live.set_moderated(m.on)
    _moderation_changed(room)


def _grant(room: Room, p: Participant, m: GrantFloor, now: float) -> None:
    target = _target(room, m.participant)
    if not target.can(Permission.SPEAK):
        raise LiveError("bad_state", f"a {target.role.value} does not speak on the floor")
    room.live.grant(target.id, target.name, now, m.limit)
    _moderation_changed(room)


def _revoke(room: Room, p: Participant, m: RevokeFloor, now: float) -> None:
    if not room.live.revoke(m.participant):
        raise LiveError("bad_state", "that participant does not have the floor",
                        field="participant")
    _moderation_changed(room)


def _limit(room: Room, p: Participant, m: SpeakingLimit, now: float) -> None:
    room.live.set_limit(m.participant, m.limit, now)
    _moderation_changed(room)


def _raise(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.raise_hand(p.id, p.name, now)
    _moderation_changed(room)


def _lower(room: Room, p: Participant, m: Any, now: float) -> None:
    room.live.lower_hand(p.id)
    _moderation_changed(room)


def register(add: Register) -> None:
    chair = Permission.CHAIR
    add("agenda_start", chair, _refusing(_start))
    add("agenda_stop", chair, _refusing(_stop))
    add("agenda_next", chair, _refusing(_next))
    add("agenda_previous", chair, _refusing(_previous))
    add("agenda_goto", chair, _refusing(_goto))
    add("set_moderated", chair, _refusing(_moderated))
    add("grant_floor", chair, _refusing(_grant))
    add("revoke_floor", chair, _refusing(_revoke))
    add("speaking_limit", chair, _refusing(_limit))
    add("raise_hand", Permission.REQUEST_FLOOR, _refusing(_raise))
    add("lower_hand", Permission.REQUEST_FLOOR, _refusing(_lower))
