"""What the recordings index holds and the API answers."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class RecordingState(StrEnum):
    RECORDING = "recording"
    FINISHED = "finished"
    RECOVERED = "recovered"  # the server stopped mid-recording; made whole on restart
    # its node died; the recording goes on in a new part on another node, and
    # this part is made whole when its node starts again
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class TrackInfo(BaseModel):
    index: int
    key: str  # "floor", a language code, or "video"
    kind: str  # audio | video
    language: str  # ISO 639-2 tag in the file ("mul" for the floor)
    title: str


class ChapterInfo(BaseModel):
    item: str
    title: str
    start: float  # seconds from the start of the recording
    end: float


class FileInfo(BaseModel):
    name: str
    kind: str  # recording | chapters-vtt | index-json | export
    size: int
    url: str


class Recording(BaseModel):
    id: str
    meeting: str
    state: RecordingState
    started_at: float  # Unix time
    stopped_at: float | None = None
    duration: float = 0.0  # seconds
    size: int = 0  # bytes of the recording file
    tracks: list[TrackInfo] = Field(default_factory=list)
    chapters: list[ChapterInfo] = Field(default_factory=list)
    files: list[FileInfo] = Field(default_factory=list)
    note: str | None = None
    node: str | None = None  # the node that records it (in a cluster)
    part: int = 1  # a recording continued after a node loss has parts 1, 2, ...
    series: str | None = None  # the first part's id, for parts after the first


class RecordingList(BaseModel):
    recordings: list[Recording]


class ExportRequest(BaseModel):
    track: str = Field(description='"floor", a language code, or "video": a track key')


class ExportJob(BaseModel):
    id: str
    recording: str
    track: str
    state: str  # running | done | failed
    progress: float  # 0..1
    url: str | None = None
    error: str | None = None
