"""The ASGI application, built by :func:`create_app` from settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from agenda import live_actions
from agenda.api import AgendaApi
from agenda.redis_store import RedisMeetingStore
from agenda.sqlite_store import SqliteMeetingStore
from agenda.store import MeetingStore
from interpretation import actions as interpretation_actions
from recordings.api import RecordingsApi
from recordings.exports import Exports
from recordings.index import RecordingIndex, SqliteRecordingIndex
from recordings.redis_index import RedisRecordingIndex
from recordings.service import RecordingService
from server.actions import Dispatcher
from server.auth.roles import Role
from server.auth.tokens import TokenAuthority, TokenError, load_secret
from server.cluster.context import Cluster
from server.cluster.live import LiveApi, share_live_state
from server.config import Settings
from server.hub import Hub
from server.media.codecs import CodecStats
from server.metrics import Metrics
from server.playback import Playback
from server.signalling import SignallingSession
from server.turn import TurnApi
from server.whip import WhipService

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "client" / "static"
PAGES = ("delegate", "console", "organiser", "venue", "playback")


@dataclass(slots=True)
class Services:
    """Everything one server process holds; built once per app."""

    settings: Settings
    store: MeetingStore
    authority: TokenAuthority
    stats: CodecStats
    metrics: Metrics
    hub: Hub
    dispatcher: Dispatcher
    whip: WhipService
    recordings: RecordingService
    exports: Exports
    playback: Playback
    cluster: Cluster | None


def metrics_allowed(request: Request, authority: TokenAuthority) -> bool:
    """Operators' figures: for the host itself (a scraper beside the server)
    or a site organiser (token for meeting "*")."""
    client = request.client.host if request.client else ""
    proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    if client in ("127.0.0.1", "::1") and not proxied:
        return True  # not a reverse proxy on this host passing a request on
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    try:
        grant = authority.verify(token.strip())
    except TokenError:
        return False
    return grant.meeting == "*" and grant.role is Role.ORGANISER


def build_services(settings: Settings, store: MeetingStore | None = None) -> Services:
    cluster: Cluster | None = None
    hubs: list[Hub] = []
    if settings.cluster.enabled:
        # A node: meetings, recordings index and live state are in Redis.
        cluster = Cluster(settings, load=lambda: hubs[0].load() if hubs else 0)
        store = store or RedisMeetingStore(cluster.redis)
        index: RecordingIndex = RedisRecordingIndex(cluster.redis)
    else:
        store = store or SqliteMeetingStore(settings.data_dir / "silkhall.sqlite")
        index = SqliteRecordingIndex(settings.data_dir / "recordings.sqlite")
    authority = TokenAuthority(load_secret(settings.data_dir))
    stats = CodecStats()
    metrics = Metrics()
    hub = Hub(settings, store, stats, metrics)
    hub.cluster = cluster
    hubs.append(hub)
    dispatcher = Dispatcher(settings, authority, hub)
    interpretation_actions.register(dispatcher.register)
    live_actions.register(dispatcher.register)
    hub.renegotiate = dispatcher.renegotiate
    whip = WhipService(settings, authority, hub, evict=dispatcher.evict)
    recordings = RecordingService(settings.data_dir / "recordings", index, hub)
    playback = Playback(settings.data_dir, hub, stats)
    playback.register(dispatcher.register)
    return Services(
        settings, store, authority, stats, metrics, hub, dispatcher, whip, recordings, Exports(),
        playback, cluster,
    )


def create_app(settings: Settings, store: MeetingStore | None = None) -> Starlette:
    services = build_services(settings, store)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "meetings": len(services.hub.rooms)})

    async def metrics(request: Request) -> Response:
        if not metrics_allowed(request, services.authority):
            return PlainTextResponse(
                "metrics: from this host, or with a site organiser's Bearer token\n",
                status_code=403,
            )
        rooms = {
            mid: {
                "participants": len(room.participants),
                "listeners": len(room.listeners),
                "floor_sources": len(room.mixer.source_ids),
                "mixer_ticks": room.mixer.ticks,
            }
            for mid, room in services.hub.rooms.items()
        }
        if request.query_params.get("reset") == "1":
            services.metrics.reset()
        return JSONResponse(
            {
                "codec": services.stats.snapshot(),
                **services.metrics.snapshot(),
                "rooms": rooms,
            }
        )

    async def signalling(ws: WebSocket) -> None:
        await SignallingSession(ws, settings.limits, services.dispatcher).run()

    async def page(request: Request) -> Response:
        name = request.path_params["page"]
        if name not in PAGES:
            return PlainTextResponse("not found\n", status_code=404)
        # A venue's browser fallback is the delegate page (it adapts to the role).
        return FileResponse(STATIC / f"{'delegate' if name == 'venue' else name}.html")

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if services.cluster is not None:
            await services.cluster.start()
            services.cluster.listen_changes(services.hub.changed_elsewhere)
        watcher = asyncio.ensure_future(services.metrics.watch_loop())
        venues = asyncio.ensure_future(services.playback.report_venues())
        sharing = asyncio.ensure_future(share_live_state(services))
        # Recordings a crash left unfinished are made whole before serving.
        await services.recordings.recover()
        try:
            yield
        finally:
            watcher.cancel()
            venues.cancel()
            sharing.cancel()
            for room in list(services.hub.rooms.values()):
                await services.playback.stop(room)
            await services.recordings.stop_all()
            await services.hub.close()
            await services.recordings.index.close()
            await services.store.close()
            if services.cluster is not None:
                await services.cluster.stop()

    agenda_api = AgendaApi(
        services.store, services.authority, lambda: settings.base_url,
        on_change=services.hub.meeting_changed,
        on_delete=services.hub.meeting_deleted,
        extensions=[RecordingsApi(services.recordings, services.exports), services.playback,
                    TurnApi(settings.turn), LiveApi(services.hub)],
    )
    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        WebSocketRoute("/ws", signalling),
        *services.whip.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *agenda_api.routes(),
        Route("/{page}/{meeting}", page),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    return app
