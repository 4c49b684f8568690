"""A media file played into the meeting, as a participant on the floor.

Opus audio and VP8 video (WebM) go through as they are: packets are sent at
their timestamps, like a publisher's. Anything else is transcoded once,
while playing, never per listener. Pause keeps the position; the packets
sent after a resume carry timestamps that account for the pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from server.media.codecs import CodecStats, OpusEncoder, vp8_encoder
from server.media.packets import (
    AUDIO_TIME_BASE,
    OPUS_FRAME,
    VIDEO_TIME_BASE,
    EncodedPacket,
    opus_duration,
    vp8_is_keyframe,
)
from server.media.tracks import Source

log = logging.getLogger(__name__)

READ_AHEAD = 200  # packets buffered ahead of playback
VIDEO_BITRATE = 1_200_000


@dataclass(frozen=True, slots=True)
class Timed:
    """A packet ready to send at ``at`` seconds of media time."""

    at: float
    kind: str  # audio | video
    data: bytes
    pts: int  # in the kind's RTP clock units
    keyframe: bool
    duration: int


def probe(path: Path) -> tuple[bool, float]:
    """(pass-through possible, duration in seconds) of a media file."""
    with av.open(str(path)) as container:
        audio = container.streams.audio[0] if container.streams.audio else None
        video = container.streams.video[0] if container.streams.video else None
        direct = (audio is None or audio.codec_context.name == "opus") and (
            video is None or video.codec_context.name == "vp8"
        )
        duration = (container.duration or 0) / 1_000_000
    return direct, duration


def _passthrough(path: Path) -> Iterator[Timed]:
    with av.open(str(path)) as container:
        streams = [s for s in (container.streams.audio[:1] + container.streams.video[:1])]
        for packet in container.demux(*streams):
            if packet.pts is None or packet.size == 0 or packet.time_base is None:
                continue
            seconds = float(packet.pts * packet.time_base)
            data = bytes(packet)
            if packet.stream.type == "audio":
                yield Timed(seconds, "audio", data, round(seconds * 48000), True,
                            opus_duration(data) or OPUS_FRAME)
            else:
                yield Timed(seconds, "video", data, round(seconds * 90000),
                            vp8_is_keyframe(data), 0)


def _transcode(path: Path, stats: CodecStats) -> Iterator[Timed]:
    """Decode once and encode once: Opus 20 ms frames, VP8 with a keyframe
    every two seconds."""
    encoder = OpusEncoder(stats, "playback", bitrate=96000)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000,
                                  frame_size=OPUS_FRAME)
    vp8 = vp8_encoder(640, 360, VIDEO_BITRATE)
    audio_samples = 0
    with av.open(str(path)) as container:
        streams = [s for s in (container.streams.audio[:1] + container.streams.video[:1])]
        for frame in container.decode(*streams):
            if isinstance(frame, av.AudioFrame):
                for chunk in resampler.resample(frame):
                    stats.decodes["playback"] += 1
                    samples = chunk.to_ndarray().reshape(-1).astype("float32") / 32768.0
                    for data in encoder.encode(samples):
                        seconds = audio_samples / 48000
                        yield Timed(seconds, "audio", data, audio_samples, True, OPUS_FRAME)
                        audio_samples += OPUS_FRAME
            elif isinstance(frame, av.VideoFrame) and frame.time is not None:
                stats.decodes["playback"] += 1
                scaled = frame.reformat(width=640, height=360, format="yuv420p")
                scaled.pts = round(frame.time * 90000)
                scaled.time_base = Fraction(1, 90000)
                stats.encodes["playback"] += 1
                for packet in vp8.encode(scaled):
                    data = bytes(packet)
                    yield Timed(frame.time, "video", data, round(frame.time * 90000),
                                vp8_is_keyframe(data), 0)


class MediaPlayer:
    """Plays one file into a pair of sources (the player's "mic" and "camera")."""

    def __init__(self, path: Path, audio: Source, video: Source, stats: CodecStats) -> None:
        self.path = path
        self.audio = audio
        self.video = video
        self._stats = stats
        self.passthrough, self.duration = probe(path)
        self.state = "idle"
        self.position = 0.0
        self._task: asyncio.Task[None] | None = None
        self._resume = asyncio.Event()
        self._resume.set()
        self._paused_total = 0.0
        self._paused_at: float | None = None
        self._stop_reading = threading.Event()
        self.done = asyncio.Event()

    def start(self) -> None:
        self.state = "playing"
        self._task = asyncio.ensure_future(self._run())

    def pause(self) -> None:
        if self.state == "playing":
            self.state = "paused"
            self._paused_at = time.monotonic()
            self._resume.clear()

    def resume(self) -> None:
        if self.state == "paused" and self._paused_at is not None:
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None
            self.state = "playing"
            self._resume.set()

    async def stop(self) -> None:
        self._stop_reading.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.state = "stopped"
        self.done.set()

    def _read(self, out: queue.Queue[Timed | None]) -> None:
        try:
            packets = (_passthrough(self.path) if self.passthrough
                       else _transcode(self.path, self._stats))
            for item in packets:
                while not self._stop_reading.is_set():
                    try:
                        out.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stop_reading.is_set():
                    return
        except Exception:
            log.exception("reading %s failed", self.path)
        finally:
            with contextlib.suppress(queue.Full):
                out.put(None, timeout=1)

    async def _run(self) -> None:
        pending: queue.Queue[Timed | None] = queue.Queue(maxsize=READ_AHEAD)
        reader = threading.Thread(target=self._read, args=(pending,), daemon=True,
                                  name=f"player-{self.path.name}")
        reader.start()
        start = time.monotonic()
        try:
            while True:
                item = await asyncio.to_thread(pending.get)
                if item is None:
                    break
                await self._resume.wait()
                delay = start + self._paused_total + item.at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.position = item.at
                self._send(item)
        finally:
            self._stop_reading.set()
            self.state = "stopped"
            self.done.set()

    def _send(self, item: Timed) -> None:
        # The pause shifts what listeners see as the packets' time, so their
        # timeline keeps running through it.
        if item.kind == "audio":
            shift = round(self._paused_total * 48000)
            self.audio.publish(EncodedPacket(item.data, item.pts + shift, AUDIO_TIME_BASE,
                                             item.duration, True, None, time.monotonic()))
        else:
            shift = round(self._paused_total * 90000)
            self.video.publish(EncodedPacket(item.data, item.pts + shift, VIDEO_TIME_BASE, 0,
                                             item.keyframe, None, time.monotonic()))
