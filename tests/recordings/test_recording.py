"""A recording of the demo meeting with real peers: every language as a
tagged track of one file, the active speaker's video, chapters from the
agenda; and no codec work for it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from tests.support.live import LiveServer
from tests.support.recording import record_demo
from tests.support.tones import dominant_frequency

pytestmark = pytest.mark.media


def ffprobe(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_chapters", "-show_format",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def decode_track(path: Path, language: str) -> np.ndarray:
    """A track's audio on the file's timeline (sample 0 = time 0)."""
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams.audio
                      if s.metadata.get("language") == language)
        placed: list[tuple[int, np.ndarray]] = []
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            at = round(float(packet.pts * packet.time_base) * 48000)
            for frame in packet.decode():
                data = frame.to_ndarray().astype(np.float64)
                mono = data.mean(axis=0) if data.ndim == 2 and data.shape[0] > 1 else data.ravel()
                placed.append((at, mono))
                at += len(mono)
        end = max(start + len(mono) for start, mono in placed)
        timeline = np.zeros(end)
        for start, mono in placed:
            timeline[start:start + len(mono)] = mono
        return timeline


async def test_recording_has_every_language_video_and_chapters(server: LiveServer) -> None:
    made = await record_demo(server)
    recording, done = made.started, made.done
    live_from, live_to, next_at = made.live_from, made.live_to, made.next_at
    assert recording["state"] == "recording"
    headers = {"Authorization": f"Bearer {server.token('organiser')}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as http:
        assert done["state"] == "finished"
        assert done["duration"] > 8
        listed = (await http.get("/api/meetings/demo/recordings")).json()["recordings"]
        assert [r["id"] for r in listed] == [recording["id"]]
        names = {f["name"] for f in done["files"]}
        assert {f"{recording['id']}.mkv", "chapters.vtt", "index.json"} <= names

    path = server.settings.data_dir / "recordings" / "demo" / recording["id"] / (
        f"{recording['id']}.mkv")
    probe = ffprobe(path)
    audio = [s for s in probe["streams"] if s["codec_type"] == "audio"]
    video = [s for s in probe["streams"] if s["codec_type"] == "video"]
    assert [s["tags"]["language"] for s in audio] == ["mul", "fra", "zho", "eng"]
    assert all(s["codec_name"] == "opus" for s in audio)
    assert audio[0]["tags"]["title"] == "Floor" and audio[0]["disposition"]["original"] == 1
    assert audio[2]["tags"]["title"] == "中文 — interpretation"
    assert len(video) == 1 and video[0]["codec_name"] == "vp8"
    chapters = probe["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [
        "Ouverture et bienvenue", "L'importance des réseaux internationaux de villes"]
    assert float(chapters[1]["start_time"]) == pytest.approx(next_at, abs=0.5)
    assert float(probe["format"]["duration"]) == pytest.approx(done["duration"], abs=0.5)

    # zho: the interpreter while live, the floor before and after; fra: the floor.
    zho = decode_track(path, "zho")
    fra = decode_track(path, "fra")
    rate = 48000

    def window(samples: np.ndarray, start: float, end: float) -> np.ndarray:
        return samples[int(start * rate): int(end * rate)]

    assert dominant_frequency(window(zho, live_from + 0.6, live_to - 0.2)) == pytest.approx(
        1000, abs=5)
    assert dominant_frequency(window(zho, 0.5, live_from - 0.2)) == pytest.approx(440, abs=5)
    assert dominant_frequency(window(zho, live_to + 0.6, next_at)) == pytest.approx(440, abs=5)
    for start in range(1, int(done["duration"]) - 1):
        assert dominant_frequency(window(fra, start, start + 1)) == pytest.approx(440, abs=5), (
            start, len(fra) / rate, done["duration"])

    vtt = (path.parent / "chapters.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "Ouverture et bienvenue" in vtt
