"""REST: the recordings' and media files' answers to bad input (found by
fuzzing the API with schemathesis against a running server)."""

from __future__ import annotations

import time

from recordings.model import Recording, RecordingState
from server.auth.roles import Role
from tests.agenda.conftest import Api, assert_problem


async def finished_recording(api: Api) -> Recording:
    """A finished recording of the demo with one small file, without media."""
    recordings = api.services.recordings
    recording = Recording(id="rec-test", meeting="demo", state=RecordingState.FINISHED,
                          started_at=time.time())
    directory = recordings.directory(recording)
    directory.mkdir(parents=True)
    (directory / "chapters.vtt").write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nA\n")
    await recordings.index.put(recording)
    return recording


async def test_recording_an_unknown_meeting_is_404(api: Api) -> None:
    # Was a 500: hub.open's UnknownMeeting escaped the handler.
    site = api.auth(meeting="*")
    answer = await api.client.post("/api/meetings/nowhere/recordings", headers=site)
    assert_problem(answer, 404, "not_found", None)
    assert answer.json()["message"] == "no meeting 'nowhere'"
    answer = await api.client.post("/api/meetings/nowhere/recordings", headers=api.auth())
    assert_problem(answer, 403, "wrong_meeting", None)
    assert not api.services.hub.rooms


async def test_an_unknown_meeting_has_no_media_and_no_live_state(api: Api) -> None:
    # With a site token these answered 200 with an empty list or a closed room.
    site = api.auth(meeting="*")
    for path in ("/api/meetings/nowhere/media", "/api/meetings/nowhere/live"):
        answer = await api.client.get(path, headers=site)
        assert_problem(answer, 404, "not_found", None)
    answer = await api.client.put("/api/meetings/nowhere/media/clip.webm", content=b"x",
                                  headers=site)
    assert_problem(answer, 404, "not_found", None)
    assert not (api.services.playback.root / "nowhere").exists()
    for path in ("/api/meetings/demo/media", "/api/meetings/demo/live"):
        assert (await api.client.get(path, headers=site)).status_code == 200


async def test_recording_files_refuse_unreadable_ranges_as_json(api: Api) -> None:
    # Starlette's FileResponse answers these in plain text; the API names the header.
    recording = await finished_recording(api)
    url = f"/api/recordings/{recording.id}/files/chapters.vtt"
    headers = api.auth(Role.DELEGATE)
    for wanted in ("bytes=abc", "items=0-1", "bytes=5-3", "bytes"):
        answer = await api.client.get(url, headers={**headers, "Range": wanted})
        assert_problem(answer, 400, "bad_range", "Range")
    content = (api.services.recordings.directory(recording) / "chapters.vtt").read_bytes()
    answer = await api.client.get(url, headers={**headers, "Range": "bytes=9999-"})
    assert_problem(answer, 416, "range_not_satisfiable", "Range")
    assert answer.headers["content-range"] == f"bytes */{len(content)}"
    answer = await api.client.get(url, headers={**headers, "Range": "bytes=0-5"})
    assert answer.status_code == 206
    assert answer.content == content[:6]
    answer = await api.client.get(url, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/vtt")
    # If-Range: the ETag it names is current, so the Range holds (and is checked);
    # a stale one asks for the whole file, whatever the Range says.
    current = answer.headers["etag"]
    answer = await api.client.get(url, headers={**headers, "Range": "bytes=9999-",
                                                "If-Range": current})
    assert_problem(answer, 416, "range_not_satisfiable", "Range")
    answer = await api.client.get(url, headers={**headers, "Range": "bytes=0-5",
                                                "If-Range": current})
    assert answer.status_code == 206 and answer.content == content[:6]
    for stale_range in ("bytes=9999-", "bytes=abc"):
        answer = await api.client.get(url, headers={**headers, "Range": stale_range,
                                                    "If-Range": '"an-older-version"'})
        assert answer.status_code == 200 and answer.content == content


async def test_media_upload_refuses_bad_names_and_huge_files_before_storing(api: Api) -> None:
    organiser = api.auth()
    for name in ("a%0A", "%2E%2E", ".hidden", "x%3Fy", "%C2%B2"):
        answer = await api.client.put(f"/api/meetings/demo/media/{name}", content=b"x",
                                      headers=organiser)
        assert_problem(answer, 400, "bad_name", "name")
    answer = await api.client.put("/api/meetings/nowhere/media/a.webm", content=b"x",
                                  headers=api.auth(meeting="*"))
    assert_problem(answer, 404, "not_found", None)

    async def body() -> object:
        yield b"x"

    # A declared length over 2 GiB is refused at once, not after 2 GiB on disk.
    answer = await api.client.put(
        "/api/meetings/demo/media/big.webm", content=body(),  # type: ignore[arg-type]
        headers={**organiser, "Content-Length": str(3 * 1024**3)})
    assert_problem(answer, 413, "too_large", None)
    answer = await api.client.put(
        "/api/meetings/demo/media/big.webm", content=b"x",
        headers={**organiser, "Content-Length": "9" * 5000})  # too long for int()
    assert_problem(answer, 413, "too_large", None)
    listed = await api.client.get("/api/meetings/demo/media", headers=organiser)
    assert "big.webm.part" not in {f["name"] for f in listed.json()["files"]}
    answer = await api.client.get("/api/meetings/%2E%2E/media", headers=api.auth(meeting="*"))
    assert_problem(answer, 404, "not_found", None)
