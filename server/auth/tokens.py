"""Signed join tokens (JWT, HS256) and the secret that signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from server.auth.roles import Role

AUDIENCE = "silkhall"
ISSUER = "silkhall"
SECRET_ENV = "SILKHALL_SECRET"
SECRET_FILE = "secret.key"
DEFAULT_TTL = 7 * 24 * 3600


class TokenError(Exception):
    """A token that cannot be used; ``code`` is the protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Grant:
    """What a verified token allows: who, in which meeting, as what."""

    meeting: str
    identity: str
    name: str
    role: Role
    booth: str | None = None
    venue: str | None = None
    expires: int = 0
    # An open invitation: every holder joins as their own participant.
    shared: bool = False


def load_secret(data_dir: Path) -> bytes:
    """``SILKHALL_SECRET`` if set, else the data directory's secret, made once."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    secret = secrets.token_urlsafe(48).encode()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


class TokenAuthority:
    """Mints and verifies join tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 bytes")
        self._secret = secret

    def mint(
        self,
        meeting: str,
        role: Role,
        *,
        name: str | None = None,
        identity: str | None = None,
        booth: str | None = None,
        venue: str | None = None,
        ttl: int = DEFAULT_TTL,
        shared: bool = False,
        now: float | None = None,
    ) -> str:
        if role is Role.INTERPRETER and not booth:
            raise ValueError("an interpreter token needs a booth")
        if role is Role.VENUE and not venue:
            raise ValueError("a venue token needs a venue")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued,
            "exp": issued + ttl,
            "sub": identity or f"{role.value}-{uuid.uuid4().hex[:10]}",
            "mtg": meeting,
            "name": name or _default_name(role, booth, venue),
            "role": role.value,
        }
        if booth:
            claims["booth"] = booth
        if venue:
            claims["venue"] = venue
        if shared:
            claims["shared"] = True
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def sign(self, text: str) -> str:
        """A short MAC of ``text`` with the signing secret (URL-safe)."""
        digest = hmac.new(self._secret, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def verify(self, token: str) -> Grant:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token_expired", "the join token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError("bad_token", f"the join token is not valid: {exc}") from exc
        try:
            role = Role(claims["role"])
            return Grant(
                meeting=str(claims["mtg"]),
                identity=str(claims["sub"]),
                name=str(claims.get("name") or claims["sub"]),
                role=role,
                booth=claims.get("booth"),
                venue=claims.get("venue"),
                expires=int(claims["exp"]),
                shared=bool(claims.get("shared", False)),
            )
        except (KeyError, ValueError) as exc:
            raise TokenError("bad_token", f"the join token lacks a claim: {exc}") from exc


def grant_covers(grant: Grant, meeting_id: str) -> bool:
    """Whether a grant is for this meeting; organiser tokens for "*" cover all."""
    if grant.meeting == meeting_id:
        return True
    return grant.meeting == "*" and grant.role is Role.ORGANISER


def _default_name(role: Role, booth: str | None, venue: str | None) -> str:
    if role is Role.INTERPRETER and booth:
        return f"Interpreter ({booth})"
    if role is Role.VENUE and venue:
        return venue.capitalize()
    return role.value.capitalize()
