"""What makes a meeting's data acceptable, as problems that name their field.

Two layers: the model's own rules (pydantic: types, known languages and time
zones, unique ids) and the schedule rules checked here (items inside the
meeting, no overlaps, speakers' venues exist). The model accepts any schedule
so that live code and tests can build meetings freely; every write through
the API must pass both. Pure module: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError

from agenda.model import AgendaItem, Meeting

M = TypeVar("M", bound=BaseModel)


class Problem(BaseModel):
    """One reason a request was refused."""

    error: str = Field(description="stable machine-readable code")
    message: str
    field: str | None = Field(
        default=None, description="path in the meeting document, e.g. items[3].start"
    )
    item: str | None = Field(default=None, description="id of the agenda item concerned")


class Invalid(Exception):
    """The data breaks a rule; ``problems`` says which, first the most useful."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("Invalid needs at least one problem")
        super().__init__(problems[0].message)
        self.problems = list(problems)


# pydantic's error types grouped into the API's codes. Custom codes raised by
# the model (unknown_language, duplicate_id, ...) pass through unchanged.
_GENERIC = {
    "missing": "missing",
    "extra_forbidden": "unknown_field",
    "string_pattern_mismatch": "bad_id",
    "json_invalid": "bad_json",
}


def _code(kind: str, field: str) -> str:
    if field == "duration" or field.endswith(".duration"):
        return "bad_duration"
    if kind.startswith(("datetime", "timezone")) or kind == "naive_time":
        return "bad_time"
    if kind in _GENERIC:
        return _GENERIC[kind]
    if kind.endswith(("_type", "_parsing")) or kind in {
        "greater_than", "greater_than_equal", "less_than", "less_than_equal",
        "too_short", "too_long", "string_too_short", "string_too_long",
        "enum", "literal_error", "value_error", "list_type", "dict_type",
    }:
        return "invalid"
    return kind


def join_path(prefix: str, loc: Iterable[str | int]) -> str:
    """``("items", 3, "start")`` under ``""`` → ``items[3].start``."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = part
    return path


def problems_of(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """pydantic's errors as problems, with paths under ``prefix``."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = [p for p in error["loc"] if isinstance(p, (str, int))]
        ctx = error.get("ctx") or {}
        path = join_path(prefix, loc)
        if isinstance(ctx.get("field"), str):
            path = f"{path}.{ctx['field']}" if path else str(ctx["field"])
        problems.append(
            Problem(error=_code(error["type"], path), message=error["msg"], field=path or None)
        )
    return problems


def parse(model: type[M], data: object, prefix: str = "") -> M:
    """Validate ``data`` as ``model``; Invalid with paths under ``prefix``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(problems_of(exc, prefix)) from exc


def _clock(meeting: Meeting, value: datetime) -> str:
    return value.astimezone(ZoneInfo(meeting.timezone)).strftime("%H:%M")


def _span(meeting: Meeting, item: AgendaItem) -> str:
    return f"{_clock(meeting, item.start)}–{_clock(meeting, item.end)}"


def schedule_problems(meeting: Meeting, focus: frozenset[str] = frozenset()) -> list[Problem]:
    """Items outside the meeting, overlapping items, unknown speaker venues.

    Paths index ``meeting.items`` as given (not sorted). When two items
    overlap, the one in ``focus`` (the item being edited) is named, else the
    later one.
    """
    problems: list[Problem] = []
    items = meeting.items
    for index, item in enumerate(items):
        if item.start < meeting.start or item.start >= meeting.end:
            problems.append(Problem(
                error="outside_meeting", field=f"items[{index}].start", item=item.id,
                message=f"item {item.id!r} starts at {_clock(meeting, item.start)}, "
                f"outside the meeting ({_clock(meeting, meeting.start)}–"
                f"{_clock(meeting, meeting.end)} {meeting.timezone})",
            ))
        elif item.end > meeting.end:
            problems.append(Problem(
                error="outside_meeting", field=f"items[{index}].duration", item=item.id,
                message=f"item {item.id!r} ends at {_clock(meeting, item.end)}, after the "
                f"meeting ends ({_clock(meeting, meeting.end)} {meeting.timezone})",
            ))
        for number, speaker in enumerate(item.speakers):
            if speaker.venue is not None and meeting.venue(speaker.venue) is None:
                problems.append(Problem(
                    error="unknown_venue", item=item.id,
                    field=f"items[{index}].speakers[{number}].venue",
                    message=f"speaker {speaker.name!r} is at venue {speaker.venue!r}, "
                    "which the meeting does not have",
                ))
    # Compare each item with the latest-ending one before it, so an item
    # that spans several others is caught against each of them.
    by_start = sorted(range(len(items)), key=lambda i: (items[i].start, i))
    reach: int | None = None
    for after in by_start:
        if reach is not None and items[after].start < items[reach].end:
            before = reach
            named, other = (before, after) if items[before].id in focus else (after, before)
            problems.append(Problem(
                error="overlap", field=f"items[{named}].start", item=items[named].id,
                message=f"item {items[named].id!r} ({_span(meeting, items[named])}) overlaps "
                f"item {items[other].id!r} ({_span(meeting, items[other])})",
            ))
        if reach is None or items[after].end > items[reach].end:
            reach = after
    return problems


def _name_items(problems: list[Problem], data: Mapping[str, Any]) -> list[Problem]:
    # An item's id helps more than its index when the client's list is stale.
    items = data.get("items")
    named: list[Problem] = []
    for problem in problems:
        if problem.item is None and problem.field and problem.field.startswith("items["):
            index = problem.field[6:].split("]", 1)[0]
            if index.isdigit() and isinstance(items, list) and int(index) < len(items):
                entry = items[int(index)]
                if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                    problem = problem.model_copy(update={"item": entry["id"]})
        named.append(problem)
    return named


def checked_meeting(data: Mapping[str, Any], focus: frozenset[str] = frozenset()) -> Meeting:
    """A meeting that passes the model and the schedule rules, or Invalid."""
    try:
        meeting = Meeting.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_name_items(problems_of(exc), data)) from exc
    problems = schedule_problems(meeting, focus)
    if problems:
        raise Invalid(problems)
    return meeting
