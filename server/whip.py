"""WHIP (RFC 9725) publishing and WHEP listening over HTTP.

``POST /whip/{meeting}`` publishes a microphone (and camera) into a meeting;
``POST /whep/{meeting}/{channel}`` listens to the floor or a language
channel. Both answer 201 with the SDP answer and a ``Location`` whose
``DELETE`` ends the session.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.actions import check_assignment
from server.auth.roles import Permission, permissions_of
from server.auth.tokens import Grant, TokenAuthority, TokenError, grant_covers
from server.cluster.forward import forward
from server.config import Settings
from server.hub import Elsewhere, Hub, UnknownMeeting
from server.media.peer import ServerPeer
from server.media.sdpcheck import BadSdp, check_sdp
from server.participant import Participant, Transport
from server.protocol import ProtocolError
from server.room import Room
from server.tasks import Background
from server.turn import link_headers

log = logging.getLogger(__name__)

SDP = "application/sdp"


class Forward(Exception):
    """Another node hosts the meeting: hand it this request."""

    def __init__(self, url: str, body: bytes) -> None:
        super().__init__(url)
        self.url = url
        self.body = body


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response(
            self.message + "\n", status_code=self.status, media_type="text/plain",
            headers=self.headers,
        )


@dataclass(slots=True)
class _Session:
    meeting: str
    kind: str  # "whip" or "whep"
    key: str  # participant id (whip) or listener id (whep)


class WhipService:
    def __init__(
        self,
        settings: Settings,
        authority: TokenAuthority,
        hub: Hub,
        evict: Callable[[str, str], None] = lambda meeting, participant: None,
    ) -> None:
        self._settings = settings
        self._authority = authority
        self._hub = hub
        # Closes an identity's signalling session (the dispatcher's evict).
        self._evict = evict
        self._sessions: dict[str, _Session] = {}
        self._background = Background("whip")

    def routes(self) -> list[Route]:
        return [
            Route("/whip/{meeting}", self.publish, methods=["POST", "OPTIONS"]),
            Route("/whep/{meeting}/{channel}", self.listen, methods=["POST", "OPTIONS"]),
            Route("/whip/sessions/{session}", self.end, methods=["DELETE", "PATCH"]),
            Route("/whep/sessions/{session}", self.end, methods=["DELETE", "PATCH"]),
        ]

    # --- endpoints --------------------------------------------------------

    async def publish(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options("POST")
        try:
            grant, room, offer = await self._admit(request, kinds={"audio"}, publish=True)
            try:
                check_assignment(grant, room)
            except ProtocolError as exc:
                self._hub.released(room)
                raise HttpError(403, exc.message) from exc
            participant_id = grant.identity if not grant.shared else (
                f"{grant.identity}-{secrets.token_hex(4)}"
            )
            participant = Participant(participant_id, grant, Transport.WHIP)
            peer = self._hub.new_peer()
            session_id = secrets.token_urlsafe(16)
            peer_state_watch(peer, lambda: self._expire(session_id))
            try:
                answer = await peer.answer_publish(offer, participant.mic, participant.camera)
            except Exception as exc:
                await peer.close()
                self._hub.released(room)
                raise HttpError(400, f"the offer could not be answered: {exc}") from exc
            # Only now, with a working answer, does it replace an earlier
            # presence of the same identity (a browser tab is told so).
            self._evict(room.meeting.id, participant_id)
            await room.remove(participant_id, "replaced by a new WHIP session")
            participant.camera_on = any(line.use == "camera" for line in peer.receive_lines)
            participant.peer = peer
            room.add(participant)
            self._sessions[session_id] = _Session(room.meeting.id, "whip", participant_id)
            return _created(answer, f"/whip/sessions/{session_id}",
                            link_headers(self._settings.turn, participant_id))
        except HttpError as exc:
            return exc.response()
        except Forward as elsewhere:
            return await forward(request, elsewhere.url, elsewhere.body)

    async def listen(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options("POST")
        try:
            grant, room, offer = await self._admit(request, kinds={"audio"})
            channel = request.path_params["channel"]
            if room.channel_source(channel) is None:
                self._hub.released(room)
                raise HttpError(404, f"meeting {room.meeting.id!r} has no channel {channel!r}")
            peer = self._hub.new_peer()
            session_id = secrets.token_urlsafe(16)
            peer_state_watch(peer, lambda: self._expire(session_id))
            try:
                answer, slot = await peer.answer_listen(offer, "language", channel)
            except Exception as exc:
                await peer.close()
                self._hub.released(room)
                raise HttpError(400, f"the offer could not be answered: {exc}") from exc
            room.add_listener(session_id, peer, slot)
            self._sessions[session_id] = _Session(room.meeting.id, "whep", session_id)
            return _created(answer, f"/whep/sessions/{session_id}",
                            link_headers(self._settings.turn, grant.identity))
        except HttpError as exc:
            return exc.response()
        except Forward as elsewhere:
            return await forward(request, elsewhere.url, elsewhere.body)

    async def end(self, request: Request) -> Response:
        if request.method == "PATCH":
            # No trickle ICE: offers carry all candidates (RFC 9725 section 4.3.1).
            return Response(status_code=405, headers={"Allow": "DELETE"})
        session = self._sessions.get(request.path_params["session"])
        if session is None or not request.url.path.startswith(f"/{session.kind}/"):
            return HttpError(404, "no such session").response()
        await self._end(request.path_params["session"])
        return Response(status_code=200)

    # --- helpers ----------------------------------------------------------

    async def _admit(
        self, request: Request, kinds: set[str], publish: bool = False
    ) -> tuple[Grant, Room, str]:
        """Check everything about a request, then open its meeting's room."""
        grant = self._bearer(request)
        meeting_id = request.path_params["meeting"]
        if not grant_covers(grant, meeting_id):
            raise HttpError(403, f"this token is not for meeting {meeting_id!r}")
        if Permission.LISTEN not in permissions_of(grant.role):
            raise HttpError(403, f"a {grant.role.value} cannot do this")
        if publish and grant.role.value not in ("delegate", "venue", "organiser"):
            raise HttpError(403, f"a {grant.role.value} cannot publish with WHIP")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != SDP:
            raise HttpError(415, f"the body must be {SDP}")
        body = await _read_body(request, self._settings.limits.max_body_bytes)
        try:
            text = body.decode("utf-8")
            check_sdp(text, kinds=kinds)
        except UnicodeDecodeError as exc:
            raise HttpError(400, "the SDP is not UTF-8 text") from exc
        except BadSdp as exc:
            raise HttpError(400, f"unusable SDP offer: {exc}") from exc
        try:
            room = await self._hub.open(meeting_id)
        except UnknownMeeting as exc:
            raise HttpError(404, f"no meeting {meeting_id!r}") from exc
        except Elsewhere as moved:
            raise Forward(moved.url, body) from moved
        return grant, room, text

    def _bearer(self, request: Request) -> Grant:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="silkhall"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, "a Bearer join token is required", challenge)
        try:
            return self._authority.verify(token.strip())
        except TokenError as exc:
            raise HttpError(401, exc.message, challenge) from exc

    def _expire(self, session_id: str) -> None:
        self._background.spawn(self._end(session_id))

    async def _end(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        room = self._hub.get(session.meeting)
        if room is None:
            return
        if session.kind == "whip":
            await room.remove(session.key, "WHIP session ended")
        else:
            await room.remove_listener(session.key)
        self._hub.released(room)


def peer_state_watch(peer: ServerPeer, on_dead: Callable[[], None]) -> None:
    """End a session whose peer connection failed or closed."""

    def watch() -> None:
        if peer.state in ("failed", "closed"):
            on_dead()

    peer.pc.on("connectionstatechange", watch)


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _created(answer: str, location: str, links: list[str]) -> Response:
    """201 with the answer, the session's URL and the ICE servers (RFC 9725
    section 4.6: one ``Link`` header per server URL)."""
    response = Response(
        answer,
        status_code=201,
        media_type=SDP,
        headers={"Location": location, "Access-Control-Expose-Headers": "Location, Link"},
    )
    for link in links:
        response.headers.append("Link", link)
    return response


def _options(methods: str) -> Response:
    return Response(
        status_code=204,
        headers={
            "Allow": f"{methods}, OPTIONS",
            "Accept-Post": SDP,
        },
    )
