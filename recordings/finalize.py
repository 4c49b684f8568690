"""Joins a recording's part files into its one Matroska file, with chapters,
cues (seekable) and its duration; used when a recording stops and, after a
crash, when the server starts again. Packets are copied, never re-encoded.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from recordings.model import ChapterInfo, TrackInfo
from recordings.writer import TrackSpec, add_stream

log = logging.getLogger(__name__)

CHAPTER_TIME_BASE = Fraction(1, 1000)


class NothingRecorded(Exception):
    """No part file holds a packet (stopped before any media arrived): there
    is no file to make (the muxer writes none without packets)."""


@dataclass(frozen=True, slots=True)
class Joined:
    path: Path
    duration: float
    size: int
    tracks: list[TrackInfo]
    chapters: list[ChapterInfo]


@dataclass(frozen=True, slots=True)
class Chapter:
    item: str
    title: str
    start: float  # seconds on the recording's timeline


Packet = tuple[float, int, bytes, int, Fraction, bool]


def _packets(path: Path, index: int) -> Iterator[Packet]:
    """(seconds, track index, data, pts, time base, keyframe) of a part file,
    in order, up to where a crash may have cut it."""
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        log.warning("part file %s is unreadable: %s", path, exc)
        return
    with container:
        stream = container.streams[0]
        base = stream.time_base or Fraction(1, 1000)
        try:
            for packet in container.demux(stream):
                if packet.pts is None or packet.size == 0:
                    continue
                yield (float(packet.pts * base), index, bytes(packet), int(packet.pts),
                       Fraction(base.numerator, base.denominator), bool(packet.is_keyframe))
        except (av.FFmpegError, OSError) as exc:
            log.info("part file %s ends early (%s): kept what was readable", path, exc)


def _unreadable(path: Path) -> bool:
    """A part file with bytes in it that the demuxer cannot open (an empty
    one is what a crash before the first packet leaves)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        av.open(str(path)).close()
    except (av.FFmpegError, OSError):
        return True
    return False


def _has_packets(path: Path) -> bool:
    return path.exists() and next(_packets(path, 0), None) is not None


def join_parts(
    directory: Path, name: str, specs: list[TrackSpec], chapters: list[Chapter]
) -> Joined:
    """Write ``directory/name.mkv`` from the part files there."""
    final = directory / f"{name}.mkv"
    temporary = directory / f"{name}.mkv.tmp"
    # A video track that never received a frame is left out: an empty video
    # stream would be the one players seek on, and fail.
    specs = [s for s in specs if s.kind == "audio" or _has_packets(directory / s.part_name())]
    out = av.open(str(temporary), "w", format="matroska")
    streams = [add_stream(out, spec) for spec in specs]
    end = 0.0
    sources = [
        _packets(directory / spec.part_name(), index)
        for index, spec in enumerate(specs)
        if (directory / spec.part_name()).exists()
    ]
    muxed = 0
    for seconds, index, data, pts, base, keyframe in heapq.merge(*sources, key=lambda p: p[0]):
        packet = av.Packet(data)
        packet.pts = packet.dts = pts
        packet.time_base = base
        packet.stream = streams[index]
        packet.is_keyframe = keyframe
        out.mux(packet)
        frame = 0.02 if specs[index].kind == "audio" else 1 / 30
        end = max(end, seconds + frame)
        muxed += 1
    if not muxed:
        out.close()
        temporary.unlink(missing_ok=True)
        if any(_unreadable(directory / spec.part_name()) for spec in specs):
            # Not "nothing recorded": the parts may hold media a repair could
            # save, so they stay, and the recording fails with this reason.
            raise OSError(f"the part files of {name} cannot be read")
        raise NothingRecorded(f"no media in the part files of {name}")
    chapter_infos = _chapters(chapters, end)
    out.set_chapters([
        {
            "id": number + 1,
            "start": round(c.start * 1000),
            "end": round(c.end * 1000),
            "time_base": CHAPTER_TIME_BASE,
            "metadata": {"title": c.title},
        }
        for number, c in enumerate(chapter_infos)
    ])
    out.close()
    os.replace(temporary, final)
    tracks = [
        TrackInfo(index=i, key=s.key, kind=s.kind, language=s.language, title=s.title)
        for i, s in enumerate(specs)
    ]
    return Joined(final, round(end, 3), final.stat().st_size, tracks, chapter_infos)


def _chapters(chapters: list[Chapter], end: float) -> list[ChapterInfo]:
    ordered = sorted((c for c in chapters if c.start < end), key=lambda c: c.start)
    out: list[ChapterInfo] = []
    for number, chapter in enumerate(ordered):
        stop = ordered[number + 1].start if number + 1 < len(ordered) else end
        if stop > chapter.start:
            out.append(ChapterInfo(item=chapter.item, title=chapter.title,
                                   start=round(chapter.start, 3), end=round(stop, 3)))
    return out


def write_sidecars(directory: Path, joined: Joined, index: dict[str, Any]) -> None:
    """WebVTT chapters and a JSON index beside the recording."""
    lines = ["WEBVTT", ""]
    for number, chapter in enumerate(joined.chapters, 1):
        lines += [str(number), f"{_vtt(chapter.start)} --> {_vtt(chapter.end)}", chapter.title, ""]
    (directory / "chapters.vtt").write_text("\n".join(lines), encoding="utf-8")
    (directory / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def remove_parts(directory: Path, specs: list[TrackSpec]) -> None:
    for spec in specs:
        with contextlib.suppress(FileNotFoundError):
            (directory / spec.part_name()).unlink()


def _vtt(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
