"""Console and floor-language messages, registered with the dispatcher."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from agenda.languages import is_known
from interpretation.booth import BoothError
from interpretation.controller import Interpretation
from server.auth.roles import Permission
from server.participant import Participant
from server.protocol import (
    BoothChatMessage,
    BoothChatSend,
    ConsoleCough,
    ConsoleIncoming,
    ConsoleMic,
    ConsoleOutput,
    ErrorCode,
    ProtocolError,
    SetFloorLanguage,
    SlowDownNotice,
)
from server.room import Room

Handler = Callable[[Any, Participant, Room, Any], Awaitable[None]]
Register = Callable[[str, Permission, Handler], None]


def _console(apply: Callable[[Interpretation, Participant, Any], None]) -> Handler:
    """A console action: refusals of the booth rules become typed errors."""

    async def handler(session: Any, participant: Participant, room: Room, message: Any) -> None:
        try:
            apply(room.interpretation, participant, message)
        except BoothError as error:
            raise ProtocolError(
                ErrorCode(error.code.value), error.message, ref=str(message.type)
            ) from error

    return handler


async def _booth_chat(
    session: Any, participant: Participant, room: Room, message: BoothChatSend
) -> None:
    booth = participant.booth or ""
    if booth not in room.interpretation.booths:
        raise ProtocolError(ErrorCode.FORBIDDEN, "you are not in a booth")
    chat = BoothChatMessage(
        booth=booth, sender=participant.id, name=participant.name, text=message.text,
        at=time.time(),
    )
    for member in room.interpretation.members(booth):
        other = room.participants.get(member)
        if other is not None:
            other.send(chat)


async def _slow_down(session: Any, participant: Participant, room: Room, message: Any) -> None:
    notice = SlowDownNotice(booth=participant.booth or "", sender=participant.id,
                            name=participant.name)
    for other in room.participants.values():
        # The chair and the booth (so the partner sees it went out) get it.
        if other.can(Permission.CHAIR) or other.booth == participant.booth:
            other.send(notice)


async def _floor_language(
    session: Any, participant: Participant, room: Room, message: SetFloorLanguage
) -> None:
    if not is_known(message.language):
        raise ProtocolError(
            ErrorCode.NOT_FOUND, f"unknown language {message.language!r}", field="language"
        )
    room.interpretation.set_floor_language(message.language)


def register(add: Register) -> None:
    interpret = Permission.INTERPRET
    add("console_mic", interpret,
        _console(lambda i, p, m: i.mic(p.id, bool(m.on)) if isinstance(m, ConsoleMic) else None))
    add("console_cough", interpret,
        _console(lambda i, p, m: i.cough(p.id, m.held) if isinstance(m, ConsoleCough) else None))
    add("console_output", interpret,
        _console(lambda i, p, m: i.output(p.id, m.output) if isinstance(m, ConsoleOutput)
                 else None))
    add("console_incoming", interpret,
        _console(lambda i, p, m: i.incoming_choice(p.id, m.source)
                 if isinstance(m, ConsoleIncoming) else None))
    add("handover_request", interpret, _console(lambda i, p, m: i.request_handover(p.id)))
    add("handover_accept", interpret, _console(lambda i, p, m: i.accept_handover(p.id)))
    add("handover_cancel", interpret, _console(lambda i, p, m: i.cancel_handover(p.id)))
    add("booth_chat", interpret, _booth_chat)
    add("slow_down", interpret, _slow_down)
    add("set_floor_language", Permission.CHAIR, _floor_language)
