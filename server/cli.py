"""The ``silkhall`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from agenda.demo import DEMO_ID, demo_meeting
from agenda.model import Meeting
from agenda.sqlite_store import SqliteMeetingStore
from agenda.store import MeetingStore
from client.venue import cli as venue_cli
from server.auth.links import join_link
from server.auth.roles import Role
from server.auth.tokens import DEFAULT_TTL, TokenAuthority, load_secret
from server.config import ClusterSettings, Settings, TurnSettings
from server.media.settings import MediaSettings

DEFAULT_DATA_DIR = Path("./data")


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR,
        help="where the database, secret and recordings live (default ./data)",
    )
    parser.add_argument(
        "--public-url", help="base URL clients reach this server at (for join links)"
    )
    parser.add_argument(
        "--ice-address", action="append", dest="ice_addresses", metavar="ADDR",
        help="address for the media plane's ICE candidates; repeat for several "
        "(default: the --host address, or 127.0.0.1 when binding 0.0.0.0)",
    )
    cluster = parser.add_argument_group("cluster (several nodes sharing meetings through Redis)")
    cluster.add_argument(
        "--redis", metavar="URL", default=os.environ.get("SILKHALL_REDIS"),
        help="redis://HOST:PORT/DB: run as a node of a cluster (env SILKHALL_REDIS)",
    )
    cluster.add_argument("--node-id", default=os.environ.get("SILKHALL_NODE_ID"),
                         help="this node's name in the cluster (env SILKHALL_NODE_ID)")
    cluster.add_argument("--heartbeat", type=float, default=1.0,
                         help="seconds between this node's heartbeats (default 1)")
    cluster.add_argument("--node-ttl", type=float, default=3.0,
                         help="a node silent this many seconds is gone (default 3)")
    turn = parser.add_argument_group("TURN (for clients behind strict firewalls)")
    turn.add_argument(
        "--turn-url", action="append", dest="turn_urls", metavar="URL",
        help="a TURN server URL handed to clients, e.g. turn:turn.example:3478 "
        "(repeatable; env SILKHALL_TURN_URLS, comma-separated)",
    )
    turn.add_argument("--turn-secret", default=os.environ.get("SILKHALL_TURN_SECRET"),
                      help="the TURN server's static-auth-secret (env SILKHALL_TURN_SECRET)")
    turn.add_argument("--turn-ttl", type=int, default=3600,
                      help="lifetime of the TURN credentials handed out, seconds")
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--tls-cert", type=Path, help="certificate (PEM)")
    tls.add_argument("--tls-key", type=Path, help="private key (PEM)")
    tls.add_argument(
        "--self-signed", action="store_true",
        help="make and use a self-signed certificate in the data directory",
    )
    parser.add_argument("--log-level", default="info", help="debug, info, warning (default info)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="silkhall",
        description="Hybrid conference platform with simultaneous interpretation.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server")
    _add_serve_options(serve)

    demo = commands.add_parser(
        "demo", help="create the demo meeting (Silk Cities 2020), print its join links, serve"
    )
    _add_serve_options(demo)
    demo.add_argument(
        "--reset", action="store_true", help="restore the demo meeting even if it was edited"
    )
    demo.add_argument(
        "--links-only", action="store_true", help="print the links and exit without serving"
    )

    token = commands.add_parser("token", help="print a join token (or link) on one line")
    token.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    token.add_argument("--meeting", required=True, help='meeting id ("*" for a site organiser)')
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--name", help="display name")
    token.add_argument("--identity", help="participant identity (default: random)")
    token.add_argument("--booth", help="booth id (interpreters)")
    token.add_argument("--venue", help="venue id (venues)")
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL, help="lifetime in seconds")
    token.add_argument(
        "--shared", action="store_true", help="an open invitation: each holder joins separately"
    )
    token.add_argument("--link", action="store_true", help="print the join URL instead")
    token.add_argument("--public-url", help="base URL for --link (default http://127.0.0.1:8080)")
    venue_cli.add_venue_parser(commands)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    tls = bool(args.tls_cert or args.self_signed)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("silkhall: --tls-cert and --tls-key go together")
    addresses = args.ice_addresses or [
        "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    ]
    turn_urls = args.turn_urls or [
        u for u in os.environ.get("SILKHALL_TURN_URLS", "").split(",") if u.strip()
    ]
    return Settings(
        data_dir=args.data_dir.resolve(),
        host=args.host,
        port=args.port,
        public_url=args.public_url or os.environ.get("SILKHALL_PUBLIC_URL"),
        tls=tls,
        media=MediaSettings(host_addresses=tuple(addresses)),
        turn=TurnSettings(urls=tuple(turn_urls), secret=args.turn_secret, ttl=args.turn_ttl),
        cluster=ClusterSettings(redis_url=args.redis, node_id=args.node_id,
                                heartbeat=args.heartbeat, node_ttl=args.node_ttl),
    )


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from server.app import create_app
    from server.tlscert import self_signed

    ssl: dict[str, str] = {}
    if args.self_signed:
        cert, key = self_signed(settings.data_dir, settings.host)
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    elif args.tls_cert:
        ssl = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        # Larger than the protocol's 64 KiB so oversize messages get a typed
        # error; beyond this the connection closes with 1009.
        ws_max_size=1024 * 1024,
        ws_ping_interval=10,
        ws_ping_timeout=10,
        **ssl,  # type: ignore[arg-type]
    )


def demo_links(settings: Settings, authority: TokenAuthority, meeting: Meeting) -> list[str]:
    base = settings.base_url
    lines = [
        "organiser: " + join_link(base, Role.ORGANISER, meeting.id,
                                  authority.mint(meeting.id, Role.ORGANISER,
                                                 name=meeting.chair or "Organiser")),
    ]
    for booth in meeting.booths:
        token = authority.mint(meeting.id, Role.INTERPRETER, booth=booth.id, shared=True,
                               identity=f"interpreter-{booth.id}")
        lines.append(f"interpreter ({booth.id} booth): "
                     + join_link(base, Role.INTERPRETER, meeting.id, token))
    for venue in meeting.venues:
        token = authority.mint(meeting.id, Role.VENUE, venue=venue.id, name=venue.name,
                               identity=f"venue-{venue.id}")
        lines.append(f"venue {venue.id}: " + join_link(base, Role.VENUE, meeting.id, token))
    token = authority.mint(meeting.id, Role.DELEGATE, name="Delegate", shared=True,
                           identity="delegate")
    lines.append("delegate: " + join_link(base, Role.DELEGATE, meeting.id, token))
    return lines


async def ensure_demo(settings: Settings, reset: bool) -> Meeting:
    store: MeetingStore
    redis_client = None
    if settings.cluster.redis_url:
        import redis.asyncio as aioredis

        from agenda.redis_store import RedisMeetingStore

        redis_client = aioredis.from_url(settings.cluster.redis_url, decode_responses=True)
        store = RedisMeetingStore(redis_client)
    else:
        store = SqliteMeetingStore(settings.data_dir / "silkhall.sqlite")
    try:
        existing = await store.get(DEMO_ID)
        if existing is not None and not reset:
            return existing
        return await store.put(demo_meeting())
    finally:
        await store.close()
        if redis_client is not None:
            await redis_client.aclose()


def demo_media(settings: Settings, meeting: Meeting) -> None:
    """A test card for the demo's video item, so "play" works out of the box."""
    from server.media.testcard import make_webm

    for item in meeting.items:
        if item.media:
            path = settings.data_dir / "media" / meeting.id / item.media
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                make_webm(path, seconds=30.0)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "token":
        return _token(args)
    if args.command == "devices":
        return venue_cli.devices()
    if args.command == "venue":
        return venue_cli.venue(args)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = settings_from(args)
    if args.command == "demo":
        meeting = asyncio.run(ensure_demo(settings, args.reset))
        demo_media(settings, meeting)
        authority = TokenAuthority(load_secret(settings.data_dir))
        print(f"Demo meeting {meeting.id!r}: {meeting.title.get('en', '')}")
        for line in demo_links(settings, authority, meeting):
            print(line)
        sys.stdout.flush()
        if args.links_only:
            return 0
    serve(settings, args)
    return 0


def _token(args: argparse.Namespace) -> int:
    role = Role(args.role)
    authority = TokenAuthority(load_secret(args.data_dir.resolve()))
    try:
        token = authority.mint(
            args.meeting, role, name=args.name, identity=args.identity, booth=args.booth,
            venue=args.venue, ttl=args.ttl, shared=args.shared,
        )
    except ValueError as exc:
        print(f"silkhall token: {exc}", file=sys.stderr)
        return 2
    if args.link:
        print(join_link(args.public_url or "http://127.0.0.1:8080", role, args.meeting, token))
    else:
        print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
