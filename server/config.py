"""Server settings: one frozen object built by the CLI (or tests) and handed
to the app factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from server.media.settings import MediaSettings
from server.protocol import MAX_MESSAGE_BYTES


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_bytes: int = MAX_MESSAGE_BYTES
    # Token bucket per connection: sustained messages per second and burst.
    messages_per_second: float = 20.0
    burst: int = 60
    # Messages refused for rate or size within ``abuse_window`` seconds before
    # the connection is closed.
    abuse_threshold: int = 100
    abuse_window: float = 10.0
    hello_timeout: float = 10.0
    # Signalling messages queued for a client that does not read them.
    outbox: int = 512
    # Largest HTTP body accepted (SDP offers, API documents).
    max_body_bytes: int = 256 * 1024


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """A TURN server sharing a secret with us (coturn's use-auth-secret): we
    hand clients credentials of the TURN REST API form, valid for ``ttl``."""

    urls: tuple[str, ...] = ()
    secret: str | None = None
    ttl: int = 3600

    @property
    def enabled(self) -> bool:
        return bool(self.urls) and bool(self.secret)


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Several processes sharing meetings through Redis (empty: one process)."""

    redis_url: str | None = None
    node_id: str | None = None  # default: made from host, port and pid
    heartbeat: float = 1.0  # seconds between a node's heartbeats
    node_ttl: float = 3.0  # a node silent this long is gone

    @property
    def enabled(self) -> bool:
        return self.redis_url is not None


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    tls: bool = False
    media: MediaSettings = field(default_factory=MediaSettings)
    limits: Limits = field(default_factory=Limits)
    turn: TurnSettings = field(default_factory=TurnSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    # Close a meeting's live state this long after its last participant left.
    idle_close: float = 30.0

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"
