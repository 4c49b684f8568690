"""A participant of a live meeting: who they are, what they send, what they
hear and see."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from server.auth.roles import Permission, Role, permissions_of
from server.auth.tokens import Grant
from server.media.peer import ServerPeer
from server.media.tracks import Source
from server.protocol import Message, ParticipantInfo, Slot


class Connection(Protocol):
    """Where a participant's signalling messages go (a WebSocket)."""

    def send(self, message: Message) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class Transport(StrEnum):
    BROWSER = "browser"  # signalling WebSocket, server-offered peer connection
    WHIP = "whip"  # one WHIP offer, no signalling
    MEDIA = "media"  # a file played into the meeting by the organiser


class Participant:
    def __init__(self, participant_id: str, grant: Grant, transport: Transport) -> None:
        self.id = participant_id
        self.grant = grant
        self.name = grant.name
        self.role: Role = grant.role
        self.permissions = permissions_of(grant.role)
        self.transport = transport
        self.mic = Source(f"{participant_id}/mic", "audio", grant.name, participant_id)
        self.camera = Source(f"{participant_id}/camera", "video", grant.name, participant_id)
        self.mic_on = transport in (Transport.WHIP, Transport.MEDIA)
        self.camera_on = transport in (Transport.WHIP, Transport.MEDIA)
        self.peer: ServerPeer | None = None
        self.connection: Connection | None = None
        # "floor", a language, or None (not chosen: delegates hear the floor,
        # a venue's PA plays its PA language)
        self.listen: str | None = None
        self.view: list[str] = []
        self.on_floor = False
        self.hand_raised = False
        self.muted_by_chair = False  # a venue feed the organiser muted
        self.slot_map: list[Slot] = []  # what the client was last told its slots carry

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def venue(self) -> str | None:
        return self.grant.venue

    @property
    def booth(self) -> str | None:
        return self.grant.booth

    def send(self, message: Message) -> None:
        if self.connection is not None:
            self.connection.send(message)

    def info(self) -> ParticipantInfo:
        return ParticipantInfo(
            id=self.id,
            name=self.name,
            role="media" if self.transport is Transport.MEDIA else self.role.value,
            venue=self.venue,
            booth=self.booth,
            mic=self.mic_on,
            camera=self.camera_on,
            on_floor=self.on_floor,
            hand_raised=self.hand_raised,
            feed_muted=self.muted_by_chair,
        )
