"""Writes one track's encoded packets into its own Matroska part file as
they arrive, without decoding or encoding anything.

One file per track while recording, because Matroska's muxer holds audio
back in memory until the next video keyframe when both share a file. Each
part file closes a cluster every second, so a process killed mid-recording
leaves files holding all but their last second; :mod:`recordings.finalize`
joins them into the recording's one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

AUDIO_TIME_BASE = Fraction(1, 48000)
VIDEO_TIME_BASE = Fraction(1, 90000)
PART_OPTIONS = {
    "cluster_time_limit": "1000",  # ms: a cluster reaches the disk at least every second
    "flush_packets": "1",
}


@dataclass(frozen=True, slots=True)
class TrackSpec:
    key: str  # "floor", a language code, "video"
    kind: str  # audio | video
    language: str  # ISO 639-2
    title: str
    original: bool = False
    default: bool = False

    def part_name(self) -> str:
        return f"{self.key}.part.mkv"


def add_stream(container: Any, spec: TrackSpec) -> Any:
    """A stream for already-encoded packets, tagged as the spec says."""
    if spec.kind == "audio":
        stream = container.add_mux_stream("opus", rate=48000)
        stream.time_base = AUDIO_TIME_BASE
    else:
        stream = container.add_mux_stream("vp8", width=640, height=360)
        stream.time_base = VIDEO_TIME_BASE
    stream.metadata["language"] = spec.language
    stream.metadata["title"] = spec.title
    disposition = av.stream.Disposition(0)
    if spec.original:
        disposition |= av.stream.Disposition.original
    if spec.default:
        disposition |= av.stream.Disposition.default
    stream.disposition = disposition
    return stream


class TrackWriter:
    def __init__(self, path: Path, spec: TrackSpec) -> None:
        self.path = path
        self.spec = spec
        self._out = av.open(str(path), "w", format="matroska", options=PART_OPTIONS)
        self._stream = add_stream(self._out, spec)
        # The units of the positions we are given; the muxer converts them to
        # its own (Matroska: milliseconds) once the header is written.
        self._time_base = AUDIO_TIME_BASE if spec.kind == "audio" else VIDEO_TIME_BASE
        self.packets = 0
        self.last_pts = -1
        self.closed = False

    def write(self, data: bytes, pts: int, keyframe: bool = True) -> None:
        if self.closed or pts <= self.last_pts:
            return
        packet = av.Packet(data)
        packet.pts = packet.dts = pts
        packet.time_base = self._time_base
        packet.stream = self._stream
        packet.is_keyframe = keyframe
        self._out.mux_one(packet)
        self.last_pts = pts
        self.packets += 1

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._out.close()
