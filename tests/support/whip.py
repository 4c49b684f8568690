"""WHIP and WHEP clients built on aiortc, for tests and benchmarks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from server.media.rtc import HostPeerConnection
from tests.support.tones import AudioCollector


def client_pc() -> HostPeerConnection:
    return HostPeerConnection(["127.0.0.1"], RTCConfiguration(iceServers=[]))


async def _wait_gathered(pc: RTCPeerConnection) -> None:
    for _ in range(100):
        if pc.iceGatheringState == "complete":
            return
        await asyncio.sleep(0.02)


async def exchange(
    pc: RTCPeerConnection, url: str, token: str
) -> tuple[httpx.Response, str | None]:
    """POST our offer (WHIP or WHEP); on 201 apply the answer. Returns the
    response and the session's absolute URL (after any redirect)."""
    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient(follow_redirects=True) as http:
        response = await http.post(
            url, content=pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {token}"},
        )
    if response.status_code != 201:
        return response, None
    await pc.setRemoteDescription(RTCSessionDescription(sdp=response.text, type="answer"))
    return response, str(response.url.join(response.headers["location"]))


def video_preferences(names: tuple[str, ...]) -> list[Any]:
    """These codecs in this order, with RTX as a browser offers it."""
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    return [c for name in (*names, "rtx") for c in capabilities
            if c.mimeType.lower() == f"video/{name}"]


@dataclass
class WhipPublisher:
    base: str
    meeting: str
    token: str
    audio: MediaStreamTrack
    video: MediaStreamTrack | None = None
    pc: RTCPeerConnection = field(default_factory=client_pc)
    location: str | None = None
    # Video codecs offered, in order of preference (e.g. ("h264",) as OBS
    # offers); None offers aiortc's default list.
    video_codecs: tuple[str, ...] | None = None

    async def start(self) -> httpx.Response:
        self.pc.addTransceiver(self.audio, direction="sendonly")
        if self.video is not None:
            video = self.pc.addTransceiver(self.video, direction="sendonly")
            if self.video_codecs is not None:
                video.setCodecPreferences(video_preferences(self.video_codecs))
        response, self.location = await exchange(
            self.pc, f"{self.base}/whip/{self.meeting}", self.token)
        return response

    async def stop(self) -> None:
        if self.location:
            async with httpx.AsyncClient() as http:
                await http.delete(self.location)
        await self.pc.close()


@dataclass
class WhepListener:
    base: str
    meeting: str
    channel: str
    token: str
    pc: RTCPeerConnection = field(default_factory=client_pc)
    location: str | None = None
    collector: AudioCollector | None = None

    async def start(self) -> httpx.Response:
        self.pc.addTransceiver("audio", direction="recvonly")
        tracks: list[Any] = []
        self.pc.on("track", tracks.append)
        response, self.location = await exchange(
            self.pc, f"{self.base}/whep/{self.meeting}/{self.channel}", self.token)
        if self.location is not None:
            self.collector = AudioCollector(tracks[0])
        return response

    async def stop(self) -> None:
        if self.collector is not None:
            await self.collector.stop()
        if self.location:
            async with httpx.AsyncClient() as http:
                await http.delete(self.location)
        await self.pc.close()
