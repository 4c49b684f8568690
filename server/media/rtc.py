"""The places where silkhall reaches inside aiortc, kept in one module.

1. :class:`TapReceiver` replaces aiortc's receiver: it hands each encoded unit
   (an Opus packet straight off the wire, or a reassembled VP8 frame) to a
   sink instead of queueing it for a decoder thread. No decoder exists.
2. :class:`PeerConnection` gathers ICE host candidates on the addresses we
   configure. aioice never offers 127.0.0.1 and would announce the machine's
   private address, which is wrong on loopback and behind NAT alike.
3. :func:`answer_only` narrows the codecs of an answer to one.

All use aiortc/aioice internals; ``pyproject.toml`` pins those versions, and
the media tests stop working at once if a hook no longer bites (every test
peer lives on 127.0.0.1, every server receiver must be a tap, and
``tests/media/test_h264.py`` reads the answer's codecs).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver
from aiortc.codecs import depayload, is_rtx
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpreceiver import NackGenerator, StreamStatistics
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtpPacket, pack_remb_fci, unwrap_rtx

from server.media.packets import (
    AUDIO_TIME_BASE,
    VIDEO_TIME_BASE,
    EncodedPacket,
    TimestampUnwrapper,
    opus_duration,
    vp8_is_keyframe,
)

PacketSink = Callable[[EncodedPacket], None]


def _private(obj: object, owner: type, name: str) -> Any:
    return getattr(obj, f"_{owner.__name__}__{name}")


class TapReceiver(RTCRtpReceiver):
    """An RTP receiver that forwards encoded media and never decodes."""

    def __init__(self, kind: str, transport: Any) -> None:
        super().__init__(kind, transport)
        self.sink: PacketSink | None = None
        self.on_codec: Callable[[str], None] | None = None
        self.media_ssrc: int | None = None
        self._unwrapper = TimestampUnwrapper()
        self._frames = JitterBuffer(capacity=512, is_video=True) if kind == "video" else None
        self._nacks = NackGenerator() if kind == "video" else None
        self._codecs: dict[int, Any] = {}
        self._rtx_ssrc: dict[int, int] = {}
        self._started = False
        self._codec_name: str | None = None

    async def receive(self, parameters: Any) -> None:
        if self._started:
            return
        for codec in parameters.codecs:
            self._codecs[codec.payloadType] = codec
        for encoding in parameters.encodings:
            if encoding.rtx:
                self._rtx_ssrc[encoding.rtx.ssrc] = encoding.ssrc
        self.transport._register_rtp_receiver(self, parameters)
        # aiortc's RTCP loop sends receiver reports from these statistics.
        self._RTCRtpReceiver__rtcp_task = asyncio.ensure_future(self._run_rtcp())
        self._RTCRtpReceiver__started = True
        self._started = True

    async def request_keyframe(self) -> None:
        if self.media_ssrc is not None:
            await self._send_rtcp_pli(self.media_ssrc)

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if not self._enabled:
            return
        await self._feed_bitrate_estimator(packet, arrival_time_ms)
        codec = self._codecs.get(packet.payload_type)
        if codec is None:
            return
        streams: dict[int, StreamStatistics] = _private(self, RTCRtpReceiver, "remote_streams")
        stats = streams.get(packet.ssrc)
        if stats is None:
            stats = streams[packet.ssrc] = StreamStatistics(codec.clockRate)
        stats.add(packet)

        if is_rtx(codec):
            original_ssrc = self._rtx_ssrc.get(packet.ssrc)
            apt = codec.parameters.get("apt")
            if original_ssrc is None or len(packet.payload) < 2 or apt not in self._codecs:
                return
            packet = unwrap_rtx(packet, payload_type=apt, ssrc=original_ssrc)
            codec = self._codecs[apt]

        self.media_ssrc = packet.ssrc
        name = codec.name.lower()
        if name != self._codec_name:
            self._codec_name = name
            if self.on_codec is not None:
                self.on_codec(name)
        now = time.monotonic()
        if self._frames is None:
            self._emit_audio(packet, now)
        else:
            await self._emit_video(packet, codec, now)

    def _emit_audio(self, packet: RtpPacket, now: float) -> None:
        if not packet.payload or self.sink is None:
            return
        level = packet.extensions.audio_level
        self.sink(
            EncodedPacket(
                data=packet.payload,
                pts=self._unwrapper.unwrap(packet.timestamp),
                time_base=AUDIO_TIME_BASE,
                duration=opus_duration(packet.payload),
                audio_level=None if level is None else level[1],
                arrival=now,
            )
        )

    async def _emit_video(self, packet: RtpPacket, codec: Any, now: float) -> None:
        assert self._frames is not None and self._nacks is not None
        if self._nacks.add(packet):
            await self._send_rtcp_nack(packet.ssrc, sorted(self._nacks.missing))
        try:
            # aiortc's jitter buffer reads the depayloaded bytes from here
            packet._data = (  # type: ignore[attr-defined]
                depayload(codec, packet.payload) if packet.payload else b""
            )
        except ValueError:
            return
        pli, frame = self._frames.add(packet)
        if pli:
            await self._send_rtcp_pli(packet.ssrc)
        if frame is None or self.sink is None:
            return
        keyframe = vp8_is_keyframe(frame.data) if self._codec_name == "vp8" else True
        self.sink(
            EncodedPacket(
                data=frame.data,
                pts=self._unwrapper.unwrap(frame.timestamp),
                time_base=VIDEO_TIME_BASE,
                duration=0,
                keyframe=keyframe,
                arrival=now,
            )
        )

    async def _feed_bitrate_estimator(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        estimator = _private(self, RTCRtpReceiver, "remote_bitrate_estimator")
        if estimator is None or packet.extensions.abs_send_time is None:
            return
        remb = estimator.add(
            abs_send_time=packet.extensions.abs_send_time,
            arrival_time_ms=arrival_time_ms,
            payload_size=len(packet.payload) + packet.padding_size,
            ssrc=packet.ssrc,
        )
        rtcp_ssrc = _private(self, RTCRtpReceiver, "rtcp_ssrc")
        if rtcp_ssrc is not None and remb is not None:
            await self._send_rtcp(
                RtcpPsfbPacket(
                    fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(*remb)
                )
            )


class HostPeerConnection(RTCPeerConnection):
    """aiortc's peer connection, gathering host candidates on given addresses."""

    def __init__(self, host_addresses: Sequence[str], configuration: RTCConfiguration) -> None:
        super().__init__(configuration)
        self._host_addresses = list(host_addresses)

    async def _RTCPeerConnection__gather(self) -> None:
        transports = _private(self, RTCPeerConnection, "iceTransports")
        for transport in transports:
            connection = transport.iceGatherer._connection
            if connection._local_candidates_start:
                continue
            connection._local_candidates_start = True
            for component in sorted(connection._components):
                connection._local_candidates += await connection.get_component_candidates(
                    component=component, addresses=self._host_addresses
                )
            connection._local_candidates_end = True
        await asyncio.gather(*(t.iceGatherer.gather() for t in transports))


class PeerConnection(HostPeerConnection):
    """A peer connection whose receivers forward encoded media (see TapReceiver)."""

    def _RTCPeerConnection__createTransceiver(
        self, direction: str, kind: str, sender_track: Any = None
    ) -> Any:
        create = cast(Any, RTCPeerConnection)._RTCPeerConnection__createTransceiver
        transceiver = create(self, direction, kind, sender_track)
        tap = TapReceiver(kind, transceiver.receiver.transport)
        tap._set_rtcp_ssrc(transceiver.sender._ssrc)
        transceiver._RTCRtpTransceiver__receiver = tap
        return transceiver


def answer_only(transceiver: Any, name: str) -> None:
    """Answer with just this codec (and its RTX) when the offer has it, so the
    offerer cannot send another: an offerer may send any codec of the answer,
    whatever its order. setCodecPreferences comes too late for a transceiver
    that the offer itself created, hence the negotiated list is edited."""
    codecs: list[Any] = transceiver._codecs
    chosen = [c for c in codecs if c.name.lower() == name]
    types = {c.payloadType for c in chosen}
    chosen += [c for c in codecs if is_rtx(c) and c.parameters.get("apt") in types]
    if chosen:
        transceiver._codecs = chosen


def tap_of(transceiver: Any) -> TapReceiver:
    receiver = transceiver.receiver
    if not isinstance(receiver, TapReceiver):
        raise TypeError("transceiver was not created by server.media.rtc.PeerConnection")
    return receiver
