"""Media-plane settings, given to every peer connection."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer


@dataclass(frozen=True, slots=True)
class MediaSettings:
    # Addresses our ICE host candidates bind to and announce. Loopback for
    # tests and local demos; the public address of the host in deployment.
    host_addresses: tuple[str, ...] = ("127.0.0.1",)
    # ICE servers the server's own peer connections use (empty: none, never a
    # public STUN server by default).
    ice_servers: tuple[RTCIceServer, ...] = field(default_factory=tuple)
    subscriber_queue: int = 64
    audio_slots: int = 3
    max_video_slots: int = 10

    def rtc_configuration(self) -> RTCConfiguration:
        # max-bundle: with aiortc's default (balanced) a send line added later
        # keeps a transport that the answer's BUNDLE group then closes.
        return RTCConfiguration(
            iceServers=list(self.ice_servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
