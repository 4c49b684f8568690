"""WHIP and WHEP clients built on aiortc, for tests and benchmarks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiortc import RTCConfiguration, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from server.media.rtc import HostPeerConnection
from tests.support.tones import AudioCollector


def client_pc() -> HostPeerConnection:
    return HostPeerConnection(["127.0.0.1"], RTCConfiguration(iceServers=[]))


async def _wait_gathered(pc: HostPeerConnection) -> None:
    for _ in range(100):
        if pc.iceGatheringState == "complete":
            return
        await asyncio.sleep(0.02)


@dataclass
class WhipPublisher:
    base: str
    meeting: str
    token: str
    audio: MediaStreamTrack
    video: MediaStreamTrack | None = None
    pc: HostPeerConnection = field(default_factory=client_pc)
    location: str | None = None

    async def start(self) -> httpx.Response:
        self.pc.addTransceiver(self.audio, direction="sendonly")
        if self.video is not None:
            self.pc.addTransceiver(self.video, direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with httpx.AsyncClient(follow_redirects=True) as http:
            response = await http.post(
                f"{self.base}/whip/{self.meeting}",
                content=self.pc.localDescription.sdp,
                headers={"Content-Type": "application/sdp",
                         "Authorization": f"Bearer {self.token}"},
            )
        if response.status_code == 201:
            # relative to where the session was made (after any redirect)
            self.location = str(response.url.join(response.headers["location"]))
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=response.text, type="answer")
            )
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
    pc: HostPeerConnection = field(default_factory=client_pc)
    location: str | None = None
    collector: AudioCollector | None = None

    async def start(self) -> httpx.Response:
        self.pc.addTransceiver("audio", direction="recvonly")
        tracks: list[Any] = []
        self.pc.on("track", tracks.append)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with httpx.AsyncClient(follow_redirects=True) as http:
            response = await http.post(
                f"{self.base}/whep/{self.meeting}/{self.channel}",
                content=self.pc.localDescription.sdp,
                headers={"Content-Type": "application/sdp",
                         "Authorization": f"Bearer {self.token}"},
            )
        if response.status_code == 201:
            # relative to where the session was made (after any redirect)
            self.location = str(response.url.join(response.headers["location"]))
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=response.text, type="answer")
            )
            self.collector = AudioCollector(tracks[0])
        return response

    async def stop(self) -> None:
        if self.collector is not None:
            await self.collector.stop()
        if self.location:
            async with httpx.AsyncClient() as http:
                await http.delete(self.location)
        await self.pc.close()
