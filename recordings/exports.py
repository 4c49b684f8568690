"""One track of a recording as a file of its own (a language as WebM audio,
the video as WebM), made by remuxing the recording, never re-encoding, as a
job whose progress clients can follow."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import av

from recordings.model import ExportJob, Recording, TrackInfo

log = logging.getLogger(__name__)

MAX_FINISHED = 200  # finished jobs remembered for clients polling them


@dataclass
class _Job:
    id: str
    recording: str
    track: str
    target: Path
    url: str
    progress: float = 0.0
    state: str = "running"
    error: str | None = None
    task: asyncio.Future[None] | None = field(default=None, repr=False)

    def view(self) -> ExportJob:
        return ExportJob(id=self.id, recording=self.recording, track=self.track,
                         state=self.state, progress=round(self.progress, 3),
                         url=self.url if self.state == "done" else None, error=self.error)


def export_name(track: TrackInfo) -> str:
    return f"{track.key}.webm"


def remux_track(source: Path, index: int, target: Path, duration: float,
                report: list[float]) -> None:
    """Copy stream ``index`` of ``source`` into ``target`` (WebM)."""
    temporary = target.with_suffix(target.suffix + ".tmp")
    with av.open(str(source)) as inp:
        stream = inp.streams[index]
        out = av.open(str(temporary), "w", format="webm")
        out_stream = out.add_stream_from_template(stream)
        base = stream.time_base
        for packet in inp.demux(stream):
            if packet.dts is None:
                continue
            if base is not None and duration > 0 and packet.pts is not None:
                report[0] = min(1.0, float(packet.pts * base) / duration)
            packet.stream = out_stream
            out.mux(packet)
        out.close()
    os.replace(temporary, target)
    report[0] = 1.0


class Exports:
    def __init__(self) -> None:
        self._jobs: dict[str, _Job] = {}

    def start(self, recording: Recording, directory: Path, track_key: str) -> ExportJob:
        track = next((t for t in recording.tracks if t.key == track_key), None)
        if track is None:
            raise KeyError(track_key)
        target = directory / "exports" / export_name(track)
        url = f"/api/recordings/{recording.id}/files/exports/{target.name}"
        for job in self._jobs.values():
            if job.recording == recording.id and job.track == track_key and job.state != "failed":
                return job.view()
        job = _Job(f"exp-{secrets.token_hex(6)}", recording.id, track_key, target, url)
        self._jobs[job.id] = job
        finished = [j for j in self._jobs.values() if j.state != "running"]
        for old in finished[:-MAX_FINISHED]:  # the files stay; only the job records go
            del self._jobs[old.id]
        if target.exists():
            job.state, job.progress = "done", 1.0
            return job.view()
        target.parent.mkdir(parents=True, exist_ok=True)
        job.task = asyncio.ensure_future(
            self._run(job, directory / f"{recording.id}.mkv", track.index, recording.duration)
        )
        return job.view()

    async def _run(self, job: _Job, source: Path, index: int, duration: float) -> None:
        report = [0.0]
        work = asyncio.ensure_future(
            asyncio.to_thread(remux_track, source, index, job.target, duration, report)
        )
        while not work.done():
            job.progress = report[0]
            await asyncio.wait([work], timeout=0.2)
        try:
            work.result()
            job.state, job.progress = "done", 1.0
        except Exception as exc:
            log.exception("export %s failed", job.id)
            job.state, job.error = "failed", str(exc)

    def get(self, job_id: str) -> ExportJob | None:
        job = self._jobs.get(job_id)
        return None if job is None else job.view()

    def recording_of(self, job_id: str) -> str | None:
        job = self._jobs.get(job_id)
        return None if job is None else job.recording
