"""What client messages do. The one place where permissions are checked."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from server.auth.roles import Permission, Role
from server.auth.tokens import Grant, TokenAuthority, TokenError, grant_covers
from server.config import Settings
from server.hub import Elsewhere, Hub, UnknownMeeting
from server.media.peer import ServerPeer
from server.media.sdpcheck import BadSdp
from server.participant import Participant, Transport
from server.protocol import (
    PROTOCOL_VERSION,
    Answer,
    Bye,
    Candidate,
    ErrorCode,
    Hello,
    IceServer,
    Leave,
    Limits,
    Listen,
    MediaState,
    Offer,
    Ping,
    Pong,
    ProtocolError,
    Redirect,
    View,
    Welcome,
)
from server.room import Room
from server.signalling import CLOSE_NORMAL, CLOSE_REDIRECT, CLOSE_REPLACED, SignallingSession
from server.slots import describe_slots
from server.tasks import Background
from server.turn import ice_servers as turn_ice_servers

log = logging.getLogger(__name__)

Handler = Callable[[SignallingSession, Participant, Room, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Action:
    permission: Permission
    handler: Handler


class Dispatcher:
    """Turns validated messages into changes of a room, permission first."""

    def __init__(self, settings: Settings, authority: TokenAuthority, hub: Hub) -> None:
        self.settings = settings
        self.authority = authority
        self.hub = hub
        self.sessions: dict[tuple[str, str], SignallingSession] = {}
        self._pending_offer: set[str] = set()
        self._background = Background("dispatcher")
        self._actions: dict[str, Action] = {
            "answer": Action(Permission.JOIN, self._answer),
            "candidate": Action(Permission.JOIN, self._candidate),
            "media": Action(Permission.PUBLISH, self._media),
            "view": Action(Permission.JOIN, self._view),
            "listen": Action(Permission.LISTEN, self._listen),
            "ping": Action(Permission.JOIN, self._ping),
            "leave": Action(Permission.JOIN, self._leave),
        }

    def register(self, message_type: str, permission: Permission, handler: Handler) -> None:
        """Add the actions of another package (interpretation, agenda)."""
        self._actions[message_type] = Action(permission, handler)

    # --- entry points from the session ------------------------------------

    async def hello(self, session: SignallingSession, hello: Hello) -> None:
        if hello.protocol != PROTOCOL_VERSION:
            raise ProtocolError(
                ErrorCode.PROTOCOL_VERSION,
                f"this server speaks protocol {PROTOCOL_VERSION}, not {hello.protocol}",
                field="protocol",
            )
        try:
            grant = self.authority.verify(hello.token)
        except TokenError as exc:
            raise ProtocolError(ErrorCode(exc.code), exc.message, field="token") from exc
        if not grant_covers(grant, hello.meeting):
            raise ProtocolError(
                ErrorCode.WRONG_MEETING,
                f"this token is for meeting {grant.meeting!r}, not {hello.meeting!r}",
                field="meeting",
            )
        try:
            room = await self.hub.open(hello.meeting)
        except Elsewhere as moved:
            # Another node hosts the meeting: the client says hello there.
            if session.connection is not None:
                session.connection.send(Redirect(url=websocket_url(moved.url)))
                session.connection.close(CLOSE_REDIRECT, "redirect")
            return
        except UnknownMeeting as exc:
            raise ProtocolError(
                ErrorCode.UNKNOWN_MEETING, f"no meeting {hello.meeting!r}", field="meeting"
            ) from exc
        try:
            check_assignment(grant, room)
        except ProtocolError:
            self.hub.released(room)  # opened for nobody: let it close when idle
            raise
        participant_id = self._participant_id(grant, hello.resume)
        # Claim the identity before anything awaits: two hellos for one
        # identity must not interleave (each would think itself the only one).
        self.evict(room.meeting.id, participant_id, keep=session)
        session.participant_id = participant_id
        session.meeting_id = room.meeting.id
        self.sessions[(room.meeting.id, participant_id)] = session
        await room.remove(participant_id, "replaced by a new connection")
        if self.sessions.get((room.meeting.id, participant_id)) is not session:
            return  # a newer hello for this identity won meanwhile

        participant = Participant(participant_id, grant, Transport.BROWSER)
        participant.connection = session.connection
        participant.peer = self._make_peer(participant, room)
        participant.send(
            Welcome(
                you=participant.info(),
                meeting=room.meeting_info(),
                participants=[p.info() for p in room.participants.values()],
                limits=Limits(
                    max_message_bytes=self.settings.limits.max_message_bytes,
                    messages_per_second=self.settings.limits.messages_per_second,
                    burst=self.settings.limits.burst,
                ),
                ice_servers=self.ice_servers(participant_id),
                resume=self._resume_token(participant_id) if grant.shared else None,
            )
        )
        room.add(participant)
        await self.negotiate(participant)

    async def dispatch(self, session: SignallingSession, message: Any) -> None:
        room, participant = self._context(session)
        action = self._actions.get(message.type)
        if action is None:  # parsed but not handled: a protocol/dispatch mismatch
            raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"no handler for {message.type!r}")
        if not participant.can(action.permission):
            raise ProtocolError(
                ErrorCode.FORBIDDEN,
                f"a {participant.role.value} may not send {message.type!r}",
                ref=message.type,
            )
        await action.handler(session, participant, room, message)

    async def disconnected(self, session: SignallingSession) -> None:
        if session.participant_id is None or session.meeting_id is None:
            return
        key = (session.meeting_id, session.participant_id)
        if self.sessions.get(key) is not session:
            return  # replaced meanwhile: the identity is someone else's now
        del self.sessions[key]
        self._pending_offer.discard(session.participant_id)
        room = self.hub.get(session.meeting_id)
        if room is None:
            return
        participant = room.participants.get(session.participant_id)
        if participant is not None and participant.connection is session.connection:
            await room.remove(session.participant_id, "disconnected")
        self.hub.released(room)

    def evict(self, meeting_id: str, participant_id: str,
              keep: SignallingSession | None = None) -> None:
        """Close the signalling session an identity had (it joined again, from
        another tab or through WHIP)."""
        old = self.sessions.pop((meeting_id, participant_id), None)
        if old is not None and old is not keep and old.connection is not None:
            old.connection.send(Bye(reason="joined again from another connection"))
            old.connection.close(CLOSE_REPLACED, "replaced")
            old.participant_id = None

    def ice_servers(self, participant_id: str) -> list[IceServer]:
        """ICE servers for browsers: our TURN server with credentials for this
        participant, or none (never a public STUN server)."""
        return turn_ice_servers(self.settings.turn, participant_id)

    # --- negotiation ------------------------------------------------------

    def renegotiate(self, participant: Participant) -> None:
        self._background.spawn(self.negotiate(participant))

    async def negotiate(self, participant: Participant) -> None:
        peer = participant.peer
        if peer is None:
            return
        self._pending_offer.discard(participant.id)
        sdp = await peer.create_offer()
        if sdp is None:  # an offer is out: make the next one after its answer
            self._pending_offer.add(participant.id)
            return
        participant.slot_map = describe_slots(peer)
        participant.send(Offer(sdp=sdp, slots=participant.slot_map))

    def _make_peer(self, participant: Participant, room: Room) -> ServerPeer:
        peer = self.hub.new_peer()
        media = self.settings.media
        peer.add_receive("mic", participant.mic)
        if participant.role is Role.INTERPRETER:
            peer.add_send("audio", "incoming")
            peer.add_send("video", "video")
            return peer
        peer.add_receive("camera", participant.camera)
        if participant.role is Role.VENUE:
            peer.add_send("audio", "pa")
        else:
            for _ in range(media.audio_slots):
                peer.add_send("audio", "floor")
            peer.add_send("audio", "language")
        wanted = len(room.wanted_video(participant))
        for _ in range(max(1, min(wanted, media.max_video_slots))):
            peer.add_send("video", "video")
        return peer

    # --- handlers ---------------------------------------------------------

    async def _answer(
        self, session: SignallingSession, participant: Participant, room: Room, msg: Answer
    ) -> None:
        peer = participant.peer
        if peer is None or peer.stable:
            raise ProtocolError(ErrorCode.BAD_STATE, "no offer is waiting for an answer")
        try:
            await peer.accept_answer(msg.sdp)
        except BadSdp as exc:
            raise ProtocolError(ErrorCode.BAD_SDP, str(exc), field="sdp") from exc
        except Exception as exc:
            log.info("answer refused: %s", exc)
            raise ProtocolError(ErrorCode.BAD_SDP, f"the answer was refused: {exc}",
                                field="sdp") from exc
        room.reconcile()
        if participant.id in self._pending_offer:
            await self.negotiate(participant)

    async def _candidate(
        self, session: SignallingSession, participant: Participant, room: Room, msg: Candidate
    ) -> None:
        if participant.peer is None:
            return
        try:
            await participant.peer.add_candidate(msg.candidate, msg.sdp_mid, msg.sdp_mline_index)
        except Exception as exc:
            raise ProtocolError(
                ErrorCode.INVALID_MESSAGE, f"unusable ICE candidate: {exc}", field="candidate"
            ) from exc

    async def _media(
        self, session: SignallingSession, participant: Participant, room: Room, msg: MediaState
    ) -> None:
        opening = msg.mic and not participant.mic_on
        if (
            opening
            and not room.live.moderated
            and participant.can(Permission.SPEAK)
            and room.open_mic_count(exclude=participant.id) >= room.live.max_open_mics
        ):
            participant.camera_on = msg.camera
            room.updated(participant)
            raise ProtocolError(
                ErrorCode.LIMIT,
                f"{room.live.max_open_mics} microphones are open already; wait for one to close",
                field="mic",
            )
        participant.mic_on = msg.mic
        participant.camera_on = msg.camera
        room.updated(participant)

    async def _view(
        self, session: SignallingSession, participant: Participant, room: Room, msg: View
    ) -> None:
        participant.view = list(dict.fromkeys(msg.participants))
        room.reconcile()

    async def _listen(
        self, session: SignallingSession, participant: Participant, room: Room, msg: Listen
    ) -> None:
        if msg.language != "floor" and msg.language not in room.channels:
            raise ProtocolError(
                ErrorCode.NOT_FOUND,
                f"{msg.language!r} is not a language of this meeting",
                field="language",
            )
        participant.listen = msg.language
        room.reconcile()

    async def _ping(
        self, session: SignallingSession, participant: Participant, room: Room, msg: Ping
    ) -> None:
        participant.send(Pong(id=msg.id))

    async def _leave(
        self, session: SignallingSession, participant: Participant, room: Room, msg: Leave
    ) -> None:
        participant.send(Bye(reason="left"))
        if session.connection is not None:
            session.connection.close(CLOSE_NORMAL, "left")

    # --- helpers ----------------------------------------------------------

    def _context(self, session: SignallingSession) -> tuple[Room, Participant]:
        room = self.hub.get(session.meeting_id or "")
        participant = room.participants.get(session.participant_id or "") if room else None
        if room is None or participant is None:
            raise ProtocolError(ErrorCode.BAD_STATE, "you are no longer in the meeting")
        return room, participant

    def _participant_id(self, grant: Grant, resume: str | None) -> str:
        """A shared invitation's holder comes back as the same participant
        only with the resume token its welcome gave (not just the id, which
        every participant sees)."""
        if not grant.shared:
            return grant.identity
        if resume:
            participant_id = resume.rpartition(".")[0]
            if (
                participant_id.startswith(grant.identity + "-")
                and hmac.compare_digest(resume, self._resume_token(participant_id))
            ):
                return participant_id
        return f"{grant.identity}-{secrets.token_hex(4)}"

    def _resume_token(self, participant_id: str) -> str:
        digest = self.authority.sign(f"resume:{participant_id}")
        return f"{participant_id}.{digest}"


def websocket_url(base_url: str) -> str:
    """The signalling URL of a node from its public base URL."""
    if base_url.startswith("https://"):
        return "wss://" + base_url.removeprefix("https://").rstrip("/") + "/ws"
    return "ws://" + base_url.removeprefix("http://").rstrip("/") + "/ws"


def check_assignment(grant: Grant, room: Room) -> None:
    """An interpreter's booth and a venue's venue must exist in the meeting."""
    if grant.role is Role.INTERPRETER and room.meeting.booth(grant.booth or "") is None:
        raise ProtocolError(
            ErrorCode.NOT_FOUND, f"this meeting has no booth {grant.booth!r}", field="token"
        )
    if grant.role is Role.VENUE and room.meeting.venue(grant.venue or "") is None:
        raise ProtocolError(
            ErrorCode.NOT_FOUND, f"this meeting has no venue {grant.venue!r}", field="token"
        )
