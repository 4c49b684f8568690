"""One participant's server-side peer connection.

Browser sessions use the server-offers model: the server owns the list of
media lines (the publisher's microphone and camera, plus send slots), makes
every offer and the browser only answers, so offers never cross. WHIP and
WHEP sessions are the other way round: the client offers once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc import RTCRtpSender, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from server.media.codecs import CodecStats
from server.media.rtc import PeerConnection, TapReceiver, answer_only, tap_of
from server.media.sdpcheck import check_sdp
from server.media.settings import MediaSettings
from server.media.tracks import DownTrack, LatencySink, Source
from server.media.transcode import H264ToVp8
from server.protocol import SlotUse

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SendSlot:
    use: SlotUse
    track: DownTrack
    transceiver: Any
    channel: str | None = None

    @property
    def mid(self) -> str | None:
        mid: str | None = self.transceiver.mid
        return mid


@dataclass(slots=True)
class ReceiveLine:
    use: SlotUse
    source: Source
    transceiver: Any


def _prefer(transceiver: Any, kind: str) -> None:
    wanted = ("audio/opus",) if kind == "audio" else ("video/vp8", "video/rtx")
    codecs = [
        c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType.lower() in wanted
    ]
    transceiver.setCodecPreferences(codecs)


class ServerPeer:
    """Wraps aiortc's peer connection with silkhall's publish/subscribe lines."""

    def __init__(
        self,
        settings: MediaSettings,
        stats: CodecStats,
        on_state: Callable[[str], None] | None = None,
        latency: LatencySink | None = None,
    ) -> None:
        self._settings = settings
        self._stats = stats
        self._transcoders: dict[str, H264ToVp8] = {}
        self._latency = latency
        self.pc = PeerConnection(settings.host_addresses, settings.rtc_configuration())
        self.receive_lines: list[ReceiveLine] = []
        self.send_slots: list[SendSlot] = []
        self._lock = asyncio.Lock()
        self._on_state = on_state

        @self.pc.on("connectionstatechange")
        def _state() -> None:
            if self._on_state is not None:
                self._on_state(self.pc.connectionState)

    @property
    def state(self) -> str:
        state: str = self.pc.connectionState
        return state

    # --- lines -------------------------------------------------------------

    def add_receive(self, use: SlotUse, source: Source) -> ReceiveLine:
        transceiver = self.pc.addTransceiver(source.kind, direction="recvonly")
        _prefer(transceiver, source.kind)
        self._bind(transceiver, source)
        line = ReceiveLine(use, source, transceiver)
        self.receive_lines.append(line)
        return line

    def add_send(self, kind: str, use: SlotUse, channel: str | None = None) -> SendSlot:
        track = DownTrack(kind, self._settings.subscriber_queue, self._latency)
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        _prefer(transceiver, kind)
        self._hook_keyframes(transceiver, track)
        slot = SendSlot(use, track, transceiver, channel)
        self.send_slots.append(slot)
        return slot

    def slots(self, use: str) -> list[SendSlot]:
        return [s for s in self.send_slots if s.use == use]

    def _bind(self, transceiver: Any, source: Source) -> None:
        tap = tap_of(transceiver)
        tap.sink = source.publish
        source.set_keyframe_requester(tap.request_keyframe)

        def on_codec(name: str) -> None:
            old = self._transcoders.pop(source.id, None)
            if old is not None:
                old.close()
            if name != "h264":
                tap.sink = source.publish
                source.set_keyframe_requester(tap.request_keyframe)
                source.codec = name
                return
            # Subscribers and recordings take VP8: H.264 is made VP8 once here.
            transcoder = H264ToVp8(self._stats, source.publish, tap.request_keyframe)
            self._transcoders[source.id] = transcoder
            tap.sink = transcoder.push
            source.set_keyframe_requester(transcoder.request_keyframe)
            source.codec = "vp8"

        tap.on_codec = on_codec

    @staticmethod
    def _hook_keyframes(transceiver: Any, track: DownTrack) -> None:
        # A subscriber's PLI/FIR asks *this* sender for a keyframe; we have no
        # encoder, so the request goes upstream to the publisher instead.
        transceiver.sender._send_keyframe = track.request_keyframe

    # --- negotiation (server offers) -------------------------------------

    @property
    def stable(self) -> bool:
        return bool(self.pc.signalingState == "stable")

    async def create_offer(self) -> str | None:
        """A new offer, or None while an earlier one awaits its answer."""
        async with self._lock:
            if self.pc.signalingState != "stable":
                return None
            await self.pc.setLocalDescription(await self.pc.createOffer())
            sdp: str = self.pc.localDescription.sdp
            return sdp

    async def accept_answer(self, sdp: str) -> None:
        check_sdp(sdp)
        async with self._lock:
            if self.pc.signalingState != "have-local-offer":
                raise RuntimeError("no offer is waiting for an answer")
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def add_candidate(self, candidate: str, sdp_mid: str | None, index: int | None) -> None:
        text = candidate.removeprefix("candidate:")
        if not text:
            return  # end-of-candidates: aiortc needs no notice
        parsed = candidate_from_sdp(text)
        parsed.sdpMid = sdp_mid
        parsed.sdpMLineIndex = index
        await self.pc.addIceCandidate(parsed)

    # --- WHIP / WHEP (client offers) -------------------------------------

    async def answer_publish(self, offer: str, audio: Source, video: Source | None) -> str:
        """Answer a WHIP offer: its audio and video lines feed our sources."""
        async with self._lock:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            for transceiver in self.pc.getTransceivers():
                if not isinstance(transceiver.receiver, TapReceiver):
                    continue
                transceiver.direction = "recvonly"
                if transceiver.kind == "video":
                    # VP8 goes through as it is; H.264 (OBS has nothing else)
                    # costs a transcode, so it is only taken when alone.
                    answer_only(transceiver, "vp8")
                if transceiver.kind == "audio" and not any(
                    line.source is audio for line in self.receive_lines
                ):
                    self._bind(transceiver, audio)
                    self.receive_lines.append(ReceiveLine("mic", audio, transceiver))
                elif transceiver.kind == "video" and video is not None and not any(
                    line.source is video for line in self.receive_lines
                ):
                    self._bind(transceiver, video)
                    self.receive_lines.append(ReceiveLine("camera", video, transceiver))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            sdp: str = self.pc.localDescription.sdp
            return sdp

    async def answer_listen(
        self, offer: str, use: SlotUse, channel: str | None
    ) -> tuple[str, SendSlot]:
        """Answer a WHEP offer: its audio line plays from a down track."""
        async with self._lock:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            slot: SendSlot | None = None
            for transceiver in self.pc.getTransceivers():
                if transceiver.kind == "audio" and slot is None:
                    track = DownTrack("audio", self._settings.subscriber_queue, self._latency)
                    transceiver.sender.replaceTrack(track)
                    transceiver.direction = "sendonly"
                    slot = SendSlot(use, track, transceiver, channel)
                    self.send_slots.append(slot)
                else:
                    transceiver.direction = "inactive"
            if slot is None:
                raise ValueError("the offer has no audio line to listen with")
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            sdp: str = self.pc.localDescription.sdp
            return sdp, slot

    async def close(self) -> None:
        for transcoder in self._transcoders.values():
            transcoder.close()
        self._transcoders.clear()
        for slot in self.send_slots:
            slot.track.stop()
        for line in self.receive_lines:
            line.source.set_keyframe_requester(None)
            # Packets still arriving while the transport closes go nowhere.
            tap = tap_of(line.transceiver)
            tap.sink = None
            tap.on_codec = None
        try:
            await asyncio.wait_for(self.pc.close(), timeout=5)
        except (TimeoutError, Exception):  # a broken transport must not block leaving
            log.debug("peer close failed", exc_info=True)
