"""A venue's connection to the meeting: signalling, its feed up, its PA
down, and reconnecting by itself when the network goes."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
import numpy as np
import websockets
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, AudioResampler

from client.venue.audio import RATE, SoundIO
from server.media.rtc import HostPeerConnection

log = logging.getLogger(__name__)

FRAME = 960  # 20 ms per packet, as browsers send
# Close codes after which reconnecting cannot help (docs/protocol.md, "Closing").
FINAL_CLOSE_CODES = {1008, 4001, 4009, 4010}


class CaptureTrack(MediaStreamTrack):
    """The room's mixer as an aiortc audio track (20 ms frames)."""

    kind = "audio"

    def __init__(self, sound: SoundIO) -> None:
        super().__init__()
        self._sound = sound
        self._pts = 0
        self._pending = np.zeros(0, dtype=np.float32)

    async def recv(self) -> AudioFrame:
        while self._pending.size < FRAME:
            block = await self._sound.captured.get()
            self._pending = np.concatenate((self._pending, block))
        chunk, self._pending = self._pending[:FRAME], self._pending[FRAME:]
        samples = np.clip(chunk * 32767, -32768, 32767).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += FRAME
        return frame


def meeting_of(token: str) -> str:
    """The meeting a join token is for (read, not verified: the server does)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise SystemExit(f"silkhall venue: the token is not a join token ({exc})") from exc
    return str(claims.get("mtg", ""))


def signalling_url(server: str) -> str:
    parts = urlsplit(server)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "/ws", "", ""))


@dataclass
class Status:
    state: str = "connecting"
    media: str = "new"
    listening: str = "-"
    live_channels: list[str] = field(default_factory=list)
    on_floor: bool = False
    muted: bool = False
    attempts: int = 0
    error: str = ""


class VenueSession:
    def __init__(
        self,
        server: str,
        token: str,
        sound: SoundIO,
        listen: str | None,
        camera: str | None = None,
        ice_addresses: list[str] | None = None,
    ) -> None:
        self.server = server
        self.token = token
        self.meeting = meeting_of(token)
        self.sound = sound
        self.listen = listen
        self.camera = camera
        self.ice_addresses = ice_addresses
        self.status = Status()
        self._stopping = False
        self._redirect: str | None = None
        self._ice_servers: list[RTCIceServer] = []
        self._participant_id: str | None = None
        self._pc: RTCPeerConnection | None = None
        self._resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        self._track = CaptureTrack(sound)
        self._camera: Any = None
        self._players: set[asyncio.Future[None]] = set()

    # --- the connection loop -----------------------------------------------------

    async def run(self) -> None:
        delay = 0.5
        while not self._stopping:
            self.status.attempts += 1
            started = time.monotonic()
            try:
                await self._session()
            except SystemExit:
                raise
            except Exception as exc:  # anything but a fatal refusal: try again
                self.status.error = f"{type(exc).__name__}: {exc}"[:120]
                if not isinstance(exc, (TimeoutError, OSError, websockets.WebSocketException)):
                    log.exception("venue session failed")
            finally:
                await self._close_peer()
            if self._stopping:
                break
            if self._redirect is not None:
                continue  # the meeting is on another node: go there now
            if time.monotonic() - started > 30:
                delay = 0.5  # it was up for a while: retry promptly
            self.status.state = f"reconnecting in {delay:.1f} s"
            await asyncio.sleep(delay)
            delay = min(8.0, delay * 2)

    async def _session(self) -> None:
        self.status.state = "connecting"
        # After a redirect, once; a later reconnect starts from --server again
        # (the node we were sent to may be the one that went away).
        url, self._redirect = self._redirect or signalling_url(self.server), None
        async with websockets.connect(url, max_size=2**22,
                                      open_timeout=10, ping_interval=5,
                                      ping_timeout=5) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": self.token,
                                      "meeting": self.meeting}))
            async for raw in ws:
                await self._handle(ws, json.loads(raw))
        self.status.state = "disconnected"
        code = ws.close_code
        if code in FINAL_CLOSE_CODES:
            # Reconnecting cannot help (abuse, refused, or this venue joined
            # from somewhere else): two clients must not take turns.
            self._stopping = True
            raise SystemExit(f"silkhall venue: the server closed the connection ({code}: "
                             f"{ws.close_reason or 'final'})")

    async def _handle(self, ws: Any, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self._participant_id = message["you"]["id"]
            self.status.on_floor = bool(message["you"].get("on_floor"))
            self._ice_servers = [
                RTCIceServer(urls=server["urls"], username=server.get("username"),
                             credential=server.get("credential"))
                for server in message.get("ice_servers", [])
            ]
            self.status.state = "joined"
            self.status.error = ""
            if self.listen:
                await ws.send(json.dumps({"type": "listen", "language": self.listen}))
            self.status.listening = self.listen or "PA language"
        elif kind == "offer":
            await self._answer(ws, message)
        elif kind == "redirect":
            self._redirect = str(message["url"])
            self.status.state = "redirected"
        elif kind == "interpretation":
            self.status.live_channels = [c["language"] for c in message["channels"] if c["live"]]
        elif kind == "participant_updated":
            if message["participant"]["id"] == self._participant_id:
                self.status.on_floor = bool(message["participant"].get("on_floor"))
        elif kind == "error":
            self.status.error = f"{message.get('code')}: {message.get('message')}"[:120]
            if message.get("code") in ("bad_token", "token_expired", "unknown_meeting"):
                self._stopping = True
                raise SystemExit(f"silkhall venue: {message.get('message')}")
        elif kind == "bye":
            self.status.error = str(message.get("reason", ""))

    async def _answer(self, ws: Any, offer: dict[str, Any]) -> None:
        if self._pc is None:
            # TURN from the server when it has one; never a public STUN server.
            # max-bundle: with aiortc's default (balanced), a second video line
            # in the server's offer keeps a transport the BUNDLE group closes.
            config = RTCConfiguration(iceServers=list(self._ice_servers),
                                     bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            self._pc = (HostPeerConnection(self.ice_addresses, config) if self.ice_addresses
                        else RTCPeerConnection(config))
            self._pc.on("track", self._on_track)
            self._pc.on("connectionstatechange", self._media_state)
        await self._pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        for slot in offer["slots"]:
            transceiver = next(
                (t for t in self._pc.getTransceivers() if t.mid == slot["mid"]), None
            )
            if transceiver is None:
                continue
            if slot["use"] == "mic":
                transceiver.direction = "sendonly"
                transceiver.sender.replaceTrack(self._track)
            elif slot["use"] == "camera":
                transceiver.direction = "sendonly"
                transceiver.sender.replaceTrack(self._camera_track())
        await self._pc.setLocalDescription(await self._pc.createAnswer())
        await ws.send(json.dumps({"type": "answer", "sdp": self._pc.localDescription.sdp}))
        await ws.send(json.dumps({"type": "media", "mic": True,
                                  "camera": self._camera is not None}))

    def _camera_track(self) -> Any:
        if self.camera is None:
            return None
        if self._camera is None:
            from aiortc.contrib.media import MediaPlayer

            self._camera = MediaPlayer(self.camera, format="v4l2",
                                       options={"video_size": "640x360", "framerate": "25"})
        return self._camera.video

    def _media_state(self) -> None:
        if self._pc is not None:
            self.status.media = self._pc.connectionState

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._players.add(asyncio.ensure_future(self._play(track)))

    async def _play(self, track: MediaStreamTrack) -> None:
        """Decoded PA audio into the playout buffer."""
        try:
            while True:
                frame = await track.recv()
                if not isinstance(frame, AudioFrame):
                    continue
                for mono in self._resampler.resample(frame):
                    samples = mono.to_ndarray().reshape(-1).astype(np.float32) / 32768.0
                    self.sound.push_playout(samples)
        except MediaStreamError:
            return

    async def _close_peer(self) -> None:
        for player in self._players:
            player.cancel()
        self._players.clear()
        pc, self._pc = self._pc, None
        if pc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pc.close(), 5)

    def stop(self) -> None:
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    # --- the terminal ---------------------------------------------------------------

    def status_line(self) -> str:
        s = self.status
        live = ",".join(s.live_channels) or "none"
        floor = "ON FLOOR" if s.on_floor else "off floor"
        return (
            f"{s.state:<22} media {s.media:<11} in {_meter(self.sound.input_level)} "
            f"out {_meter(self.sound.output_level)} PA {s.listening} "
            f"(live: {live}) {floor} buffer {self.sound.playout.fill * 1000:3.0f} ms"
            + (f"  ! {s.error}" if s.error else "")
        )


def _meter(db: float) -> str:
    width = 10
    filled = max(0, min(width, round((db + 60) / 60 * width)))
    return "[" + "#" * filled + "." * (width - filled) + f"] {db:5.1f} dBFS"


async def show_status(session: VenueSession, interval: float = 0.5) -> None:
    interactive = sys.stdout.isatty()
    while True:
        line = session.status_line()
        if interactive:
            sys.stdout.write("\r" + line[:200] + "\x1b[K")
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
        await asyncio.sleep(interval if interactive else max(interval, 5.0))
