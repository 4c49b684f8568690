"""A server killed with SIGKILL mid-recording: on restart the recording is
made whole (playable from start to end) and listed as recovered."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import httpx
import pytest

from recordings.journal import Journal
from recordings.model import Recording, RecordingState
from recordings.recorder import track_specs
from tests.support.live import LiveServer, free_port
from tests.support.tones import ToneTrack
from tests.support.whip import WhipPublisher

pytestmark = pytest.mark.media
ROOT = Path(__file__).resolve().parents[2]


def silkhall(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


async def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(150):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("server did not start")


async def test_sigkill_during_recording_is_recovered(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run(silkhall("demo", "--data-dir", str(data), "--links-only"), cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)

    def token(*args: str) -> str:
        return subprocess.run(silkhall("token", "--data-dir", str(data), "--meeting", "demo",
                                       *args), cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip()

    organiser, venue = token("--role", "organiser"), token("--role", "venue", "--venue", "lyon")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = silkhall("serve", "--data-dir", str(data), "--port", str(port),
                     "--log-level", "warning")
    proc = subprocess.Popen(serve, cwd=ROOT)
    publisher = WhipPublisher(base, "demo", venue, ToneTrack(440))
    headers = {"Authorization": f"Bearer {organiser}"}
    try:
        await wait_healthy(base, proc)
        assert (await publisher.start()).status_code == 201
        async with httpx.AsyncClient(base_url=base, headers=headers) as http:
            response = await http.post("/api/meetings/demo/recordings")
            assert response.status_code == 201, response.text
            recording_id = response.json()["id"]
            await asyncio.sleep(10.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        await publisher.pc.close()

        proc = subprocess.Popen(serve, cwd=ROOT)
        await wait_healthy(base, proc)
        async with httpx.AsyncClient(base_url=base, headers=headers) as http:
            listed = (await http.get("/api/meetings/demo/recordings")).json()["recordings"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()

    [recording] = listed
    assert recording["id"] == recording_id
    assert recording["state"] == "recovered"
    assert "recovered" in recording["note"]
    assert recording["duration"] >= 8.0
    path = data / "recordings" / "demo" / recording_id / f"{recording_id}.mkv"
    with av.open(str(path)) as container:
        assert container.duration is not None and container.duration / 1e6 >= 8.0
        floor = container.streams.audio[0]
        decoded = sum(frame.samples for frame in container.decode(floor))
        assert decoded / 48000 >= 8.0, "the whole floor track decodes"
        # Seekable: jump to the middle and decode from there.
        container.seek(int(5 * 1e6))
        packet = next(p for p in container.demux(container.streams.audio[0]) if p.pts)
        assert packet.pts is not None and packet.time_base is not None
        assert 3.0 <= float(packet.pts * packet.time_base) <= 6.0
    assert not list(path.parent.glob("*.part.mkv")), "part files are removed once joined"


@pytest.mark.parametrize("content", [b"", b"\x00garbage, not Matroska" * 100])
async def test_a_stop_before_any_media_is_a_failed_recording_with_a_note(
    server: LiveServer, content: bytes
) -> None:
    # The muxer writes no file without packets: finishing raised FileNotFoundError
    # (seen while fuzzing: a recording stopped within milliseconds of its start).
    service = server.services.recordings
    recording = Recording(id="rec-empty", meeting="demo", state=RecordingState.RECORDING,
                          started_at=time.time())
    directory = service.directory(recording)
    directory.mkdir(parents=True)
    specs = track_specs(["fr", "zh", "en"])
    journal = Journal(directory / "journal.jsonl")
    journal.write("start", id=recording.id, meeting="demo", started_at=recording.started_at,
                  tracks=[{"key": s.key, "kind": s.kind, "language": s.language,
                           "title": s.title, "original": s.original, "default": s.default}
                          for s in specs])
    journal.close()
    for spec in specs:  # empty: as a crash leaves them, made and never written to
        (directory / spec.part_name()).write_bytes(content)
    await service.index.put(recording)

    [failed] = await service.recover()
    assert failed.state is RecordingState.FAILED
    if content:
        # Unreadable is not empty: the parts stay for a repair, and the note says why.
        assert failed.note is not None and "cannot be read" in failed.note
        assert all((directory / spec.part_name()).exists() for spec in specs)
    else:
        assert failed.note == "nothing was recorded: stopped before any media arrived"
        assert not any((directory / spec.part_name()).exists() for spec in specs)
    headers = {"Authorization": f"Bearer {server.token('delegate')}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers) as http:
        answer = await http.get(f"/api/recordings/{recording.id}")
    assert answer.status_code == 200
    assert answer.json()["state"] == "failed"
    assert answer.json()["files"] == []
    assert not list(directory.glob("*.mkv.tmp")), "no half-made file"
