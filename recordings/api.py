"""Recordings over REST: start, stop, list, files, exports. Endpoints are
described with the agenda API's table (agenda/openapi.py), so they are in the
same OpenAPI document and pass the same access check."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable, Response

from agenda.http import ApiError, Call, json_response
from agenda.openapi import Access, Endpoint, Reply
from agenda.schemas import ErrorBody
from agenda.validation import parse
from recordings.exports import Exports
from recordings.model import ExportJob, ExportRequest, Recording, RecordingList
from recordings.service import RecordingError, RecordingService
from server.auth.tokens import grant_covers
from server.cluster.forward import forward
from server.hub import Elsewhere

MEETING = "/api/meetings/{meeting_id}"
RECORDING = "/api/recordings/{recording_id}"
MEDIA_TYPES = {".mkv": "video/x-matroska", ".webm": "video/webm", ".vtt": "text/vtt",
               ".json": "application/json"}
FILE_TYPES = (*MEDIA_TYPES.values(), "application/octet-stream")


class RecordingsApi:
    def __init__(self, service: RecordingService, exports: Exports) -> None:
        self._service = service
        self._exports = exports

    def endpoints(self) -> list[Endpoint]:
        one = Reply("the recording", Recording)
        token = {"token": "the join token, for media elements that cannot send a header"}
        return [
            Endpoint("POST", MEETING + "/recordings", self.start_recording,
                     "Start recording every language of the meeting", Access.MANAGE,
                     {201: one, 409: Reply("already_recording: the meeting is being recorded",
                                           ErrorBody)}, tag="recordings"),
            Endpoint("GET", MEETING + "/recordings", self.list_recordings,
                     "The meeting's recordings with their files, duration, size and state",
                     Access.READ, {200: Reply("recordings", RecordingList)}, tag="recordings"),
            Endpoint("GET", RECORDING, self.get_recording, "One recording", Access.READ,
                     {200: one}, tag="recordings"),
            Endpoint("POST", RECORDING + "/stop", self.stop_recording,
                     "Stop a recording and finish its file", Access.MANAGE,
                     {200: one, 409: Reply("not_recording: the recording has stopped",
                                           ErrorBody)}, tag="recordings"),
            Endpoint("POST", RECORDING + "/exports", self.start_export,
                     "Export one track as a file of its own (remuxed, not re-encoded)",
                     Access.READ, {202: Reply("the export job", ExportJob),
                                   409: Reply("not_finished: the recording is not finished yet",
                                              ErrorBody)},
                     body=ExportRequest, tag="recordings"),
            Endpoint("GET", "/api/exports/{job_id}", self.get_export,
                     "An export job's progress", Access.READ,
                     {200: Reply("the export job", ExportJob)}, tag="recordings"),
            Endpoint("GET", RECORDING + "/files/{name:path}", self.get_file,
                     "A file of a recording (supports Range)", Access.READ,
                     {200: Reply("the file", media_type=FILE_TYPES),
                      206: Reply("the ranges asked for (Content-Range), of the file's type or "
                                 "multipart/byteranges", media_type=()),
                      400: Reply("bad_range: a Range header that cannot be read", ErrorBody),
                      416: Reply("range_not_satisfiable: a range past the end of the file",
                                 ErrorBody)},
                     query=token, headers={"Range": "e.g. bytes=0-1023 (RFC 9110)"},
                     patterns={"Range": r"^bytes=[0-9]*-[0-9]*(, *[0-9]*-[0-9]*)*$"},
                     tag="recordings"),
        ]

    # --- handlers ------------------------------------------------------------

    async def start_recording(self, call: Call) -> Response:
        try:
            recording = await self._service.start(call.param("meeting_id"))
        except Elsewhere as moved:
            return await forward(call.request, moved.url)
        except RecordingError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        return json_response(recording, 201,
                             {"Location": f"/api/recordings/{recording.id}"})

    async def list_recordings(self, call: Call) -> Response:
        recordings = await self._service.of_meeting(call.param("meeting_id"))
        return json_response(RecordingList(recordings=recordings))

    async def get_recording(self, call: Call) -> Response:
        return json_response(await self._recording(call))

    async def stop_recording(self, call: Call) -> Response:
        recording = await self._recording(call)
        try:
            return json_response(await self._service.stop(recording.id))
        except Elsewhere as moved:
            return await forward(call.request, moved.url)
        except RecordingError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc

    async def start_export(self, call: Call) -> Response:
        recording = await self._recording(call)
        request = parse(ExportRequest, call.body)
        if recording.state.value not in ("finished", "recovered"):
            raise ApiError(409, "not_finished", "the recording is not finished yet")
        try:
            job = self._exports.start(recording, self._service.directory(recording),
                                      request.track)
        except KeyError as exc:
            keys = ", ".join(t.key for t in recording.tracks)
            raise ApiError(404, "not_found", f"no track {request.track!r}; tracks: {keys}",
                           field="track") from exc
        return json_response(job, 202)

    async def get_export(self, call: Call) -> Response:
        job_id = call.param("job_id")
        recording_id = self._exports.recording_of(job_id)
        job = self._exports.get(job_id)
        if job is None or recording_id is None:
            raise ApiError(404, "not_found", f"no export {job_id!r}")
        await self._recording(call, recording_id)
        return json_response(job)

    async def get_file(self, call: Call) -> Response:
        recording = await self._recording(call)
        directory = self._service.directory(recording).resolve()
        path = (directory / call.param("name")).resolve()
        if not path.is_relative_to(directory) or not path.is_file() or ".part." in path.name:
            raise ApiError(404, "not_found", "no such file")
        media_type = MEDIA_TYPES.get(Path(path).suffix, "application/octet-stream")
        stat = path.stat()
        response = FileResponse(path, media_type=media_type, filename=path.name,
                                stat_result=stat)
        # A stale If-Range asks for the whole (changed) file: the Range does not apply.
        if_range = call.request.headers.get("if-range")
        if if_range is None or response._should_use_range(if_range):
            _check_range(call.request, stat.st_size)
        return response

    # --- helpers ---------------------------------------------------------------

    async def _recording(self, call: Call, recording_id: str | None = None) -> Recording:
        """The recording, if the token is for its meeting (the endpoint's
        access level, e.g. organisers only, was checked before)."""
        try:
            recording = await self._service.get(recording_id or call.param("recording_id"))
        except RecordingError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        grant = call.grant
        if grant is None or not grant_covers(grant, recording.meeting):
            raise ApiError(403, "wrong_meeting", "the token is for another meeting")
        return recording


def _check_range(request: Request, size: int) -> None:
    """A Range header FileResponse would refuse, refused as a typed error
    (FileResponse answers those in plain text, without naming the header)."""
    wanted = request.headers.get("range")
    if wanted is None:
        return
    try:
        # The very parser FileResponse then uses, so both agree on what is readable.
        FileResponse._parse_range_header(wanted, size)
    except MalformedRangeHeader as exc:
        reason = exc.content.removeprefix("Range header: ")
        raise ApiError(400, "bad_range", f"cannot read the Range header: {reason}",
                       field="Range") from exc
    except RangeNotSatisfiable as exc:
        raise ApiError(416, "range_not_satisfiable",
                       f"the file has {size} bytes; a range starts past its end",
                       field="Range", headers={"Content-Range": f"bytes */{size}"}) from exc
