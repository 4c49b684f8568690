"""A Python signalling client: joins like a browser does (hello, answer the
server's offers, send a microphone), for tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import websockets
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from server.media.packets import EncodedPacket
from server.media.rtc import HostPeerConnection, PeerConnection, tap_of
from tests.support.tones import AudioCollector

Message = dict[str, Any]


class SignallingClient:
    """One participant over the real WebSocket protocol.

    ``tap=True`` receives encoded packets without decoding them (to count
    packets cheaply, or to keep codec counters clean); otherwise remote audio
    is decoded into :class:`AudioCollector` buffers.
    """

    def __init__(
        self,
        ws_url: str,
        token: str,
        meeting: str = "demo",
        *,
        mic: MediaStreamTrack | None = None,
        camera: MediaStreamTrack | None = None,
        tap: bool = False,
    ) -> None:
        self.ws_url = ws_url
        self.token = token
        self.meeting = meeting
        self.mic = mic
        self.camera = camera
        self.tap = tap
        self.ws: Any = None
        self.pc: HostPeerConnection | None = None
        self.messages: list[Message] = []
        self.slots: list[Message] = []
        self.welcome: Message | None = None
        self.collectors: dict[str, AudioCollector] = {}
        self.packets: dict[str, int] = {}
        self.tap_sinks: dict[str, Callable[[EncodedPacket], None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._new_message = asyncio.Event()
        self._answering = asyncio.Lock()
        self.closed: tuple[int, str] | None = None
        self.redirected_to: str | None = None

    async def join(self, timeout: float = 15.0) -> Message:
        """Say hello (following a redirect to the meeting's node, if any)."""
        url = self.ws_url
        for _ in range(3):
            self.messages.clear()
            self.closed = None
            self.ws = await websockets.connect(url, max_size=2**22)
            self._reader = asyncio.ensure_future(self._read())
            await self.send({"type": "hello", "protocol": 1, "token": self.token,
                             "meeting": self.meeting})
            try:
                welcome = await self.wait_for("welcome", timeout=timeout)
            except ConnectionError:
                redirect = next((m for m in self.messages if m["type"] == "redirect"), None)
                if redirect is None:
                    raise
                url = redirect["url"]
                self.redirected_to = url
                continue
            self.welcome = welcome
            return welcome
        raise ConnectionError("too many redirects")

    async def send(self, message: Message) -> None:
        await self.ws.send(json.dumps(message))

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                self.messages.append(message)
                if message["type"] == "offer":
                    await self._answer(message)
                elif message["type"] == "slots":
                    self.slots = message["slots"]
                self._new_message.set()
        except websockets.ConnectionClosed as exc:
            self.closed = (exc.rcvd.code if exc.rcvd else 1006, exc.rcvd.reason if exc.rcvd else "")
        finally:
            if self.closed is None and self.ws is not None and self.ws.close_code is not None:
                self.closed = (self.ws.close_code, self.ws.close_reason or "")
            self._new_message.set()

    async def _answer(self, offer: Message) -> None:
        async with self._answering:
            if self.pc is None:
                factory = PeerConnection if self.tap else HostPeerConnection
                config = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
                self.pc = factory(["127.0.0.1"], config)
                self.pc.on("track", self._on_track)
            await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            self.slots = offer["slots"]
            for slot in offer["slots"]:
                transceiver = next(
                    (t for t in self.pc.getTransceivers() if t.mid == slot["mid"]), None
                )
                if transceiver is None:
                    continue
                if slot["use"] == "mic":
                    transceiver.direction = "sendonly"
                    if self.mic is not None:
                        transceiver.sender.replaceTrack(self.mic)
                elif slot["use"] == "camera":
                    transceiver.direction = "sendonly"
                    if self.camera is not None:
                        transceiver.sender.replaceTrack(self.camera)
                elif self.tap and slot["mid"] not in self.tap_sinks:
                    self._tap(slot["mid"], transceiver)
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await self.send({"type": "answer", "sdp": self.pc.localDescription.sdp})

    def _tap(self, mid: str, transceiver: Any) -> None:
        self.packets[mid] = 0

        def sink(packet: EncodedPacket) -> None:
            self.packets[mid] += 1

        self.tap_sinks[mid] = sink
        tap_of(transceiver).sink = sink

    def _on_track(self, track: MediaStreamTrack) -> None:
        if self.tap or track.kind != "audio" or self.pc is None:
            return
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track and transceiver.mid is not None:
                self.collectors[transceiver.mid] = AudioCollector(track)

    # --- queries ------------------------------------------------------------

    def slot(self, use: str, **match: Any) -> Message | None:
        for slot in self.slots:
            if slot["use"] == use and all(slot.get(k) == v for k, v in match.items()):
                return slot
        return None

    def mids(self, use: str) -> list[str]:
        return [s["mid"] for s in self.slots if s["use"] == use]

    def audio(self, use: str) -> AudioCollector:
        mids = self.mids(use)
        if not mids or mids[0] not in self.collectors:
            raise LookupError(f"no audio collector for a {use!r} slot")
        return self.collectors[mids[0]]

    def of_type(self, kind: str) -> list[Message]:
        return [m for m in self.messages if m["type"] == kind]

    async def wait_for(
        self,
        kind: str,
        predicate: Callable[[Message], bool] = lambda m: True,
        timeout: float = 10.0,
        since: int = 0,
    ) -> Message:
        """The first message of a type (from index ``since``) that matches."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.messages[since:]:
                if message["type"] == kind and predicate(message):
                    return message
            if self.closed is not None:
                raise ConnectionError(f"closed {self.closed} while waiting for {kind!r}")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {kind!r} message within {timeout} s")
            self._new_message.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_message.wait(), remaining)

    async def wait_connected(self, timeout: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while self.pc is None or self.pc.connectionState != "connected":
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("media did not connect")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for collector in self.collectors.values():
            await collector.stop()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        if self.pc is not None:
            await self.pc.close()
