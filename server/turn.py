"""TURN credentials for clients, in the TURN REST API form.

A TURN server sharing a secret with silkhall (coturn's ``use-auth-secret``)
accepts the username ``"<expiry unix time>:<participant id>"`` with the
password ``base64(HMAC-SHA1(secret, username))`` until the expiry passes
(draft-uberti-behave-turn-rest). Nothing is stored: any node holding the
secret can mint them, and the TURN server checks them without asking us.

Clients get them in ``welcome.ice_servers``, in the ``Link`` headers of WHIP
and WHEP answers (RFC 9725 section 4.6), and from ``GET /api/turn``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from pydantic import BaseModel
from starlette.responses import Response

from agenda.http import ApiError, Call, json_response
from agenda.openapi import Access, Endpoint, Reply
from server.config import TurnSettings
from server.protocol import IceServer


@dataclass(frozen=True, slots=True)
class TurnCredential:
    username: str
    credential: str
    expires: int  # unix time


def mint(secret: str, user: str, ttl: int, *, now: float | None = None) -> TurnCredential:
    """Credentials for ``user`` valid ``ttl`` seconds from ``now`` (a negative
    ``ttl`` makes credentials that have already expired)."""
    expires = int(time.time() if now is None else now) + ttl
    username = f"{expires}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires)


def ice_servers(settings: TurnSettings, user: str) -> list[IceServer]:
    """The ICE servers to hand a client: our TURN server, or none at all
    (never a public STUN server)."""
    if not settings.urls or not settings.secret:
        return []
    credential = mint(settings.secret, user, settings.ttl)
    return [IceServer(urls=list(settings.urls), username=credential.username,
                      credential=credential.credential)]


def link_headers(settings: TurnSettings, user: str) -> list[str]:
    """``Link`` header values announcing the ICE servers (RFC 9725 section 4.6)."""
    values: list[str] = []
    for server in ice_servers(settings, user):
        for url in server.urls:
            value = f'<{url}>; rel="ice-server"'
            if server.username is not None and server.credential is not None:
                value += (f'; username="{_quoted(server.username)}"'
                          f'; credential="{_quoted(server.credential)}"'
                          '; credential-type="password"')
            values.append(value)
    return values


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class TurnInfo(BaseModel):
    """ICE servers for a client that does not use the signalling WebSocket."""

    ice_servers: list[IceServer]
    ttl: int  # seconds the credentials stay valid (0: no TURN server configured)


class TurnApi:
    """``GET /api/turn``: an endpoint of the REST API (see :mod:`agenda.api`)."""

    def __init__(self, settings: TurnSettings) -> None:
        self._settings = settings

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("GET", "/api/turn", self.turn_credentials,
                     "TURN credentials for the token's holder (empty without a TURN server)",
                     Access.READ, {200: Reply("ICE servers", TurnInfo)}, tag="media"),
        ]

    async def turn_credentials(self, call: Call) -> Response:
        if call.grant is None:  # unreachable: READ endpoints always carry a grant
            raise ApiError(401, "missing_token", "a Bearer join token is required")
        servers = ice_servers(self._settings, call.grant.identity)
        ttl = self._settings.ttl if servers else 0
        return json_response(TurnInfo(ice_servers=servers, ttl=ttl),
                             headers={"Cache-Control": "no-store"})
