"""HTTP plumbing of the agenda API: tokens, bodies, versions, error answers.

Everything that can go wrong in a request becomes an :class:`ApiError` or an
:class:`~agenda.validation.Invalid`; :func:`guarded` turns both (and the
store's errors) into JSON answers of one shape.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from agenda.schemas import ErrorBody, StaleBody
from agenda.store import AlreadyExists, NotFound, StaleWrite
from agenda.validation import Invalid, Problem
from server.auth.tokens import Grant, TokenAuthority, TokenError

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]
CHALLENGE = 'Bearer realm="silkhall"'
# Same as the server's limit for HTTP bodies (Limits.max_body_bytes).
MAX_BODY_BYTES = 256 * 1024
# An If-Match the API reads: "7", 7 or W/"7" (the OpenAPI document says the same).
IF_MATCH_PATTERN = r'^(?:W/)?(?:"[0-9]{1,18}"|[0-9]{1,18})$'
IF_MATCH = re.compile(IF_MATCH_PATTERN, re.ASCII)


@dataclass(frozen=True, slots=True)
class Call:
    """One authorised request, as the endpoint's handler sees it."""

    request: Request
    grant: Grant | None
    body: dict[str, Any]
    version: int | None  # the version the write is based on, if any

    def param(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return value


class ApiError(Exception):
    """An answer other than success, with its status and error code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = Problem(error=code, message=message, field=field)
        self.headers = dict(headers or {})


def json_response(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        model.model_dump_json(), status_code=status, headers=dict(headers or {}),
        media_type="application/json",
    )


def problem_response(
    status: int, problems: list[Problem], headers: Mapping[str, str] | None = None
) -> Response:
    first = problems[0]
    body = ErrorBody(
        error=first.error, message=first.message, field=first.field, item=first.item,
        errors=problems,
    )
    return json_response(body, status, headers)


def stale_response(exc: StaleWrite) -> Response:
    current = exc.current
    dumped = current.model_dump(mode="json") if isinstance(current, BaseModel) else {}
    body = StaleBody(
        error="stale_write",
        message=f"{exc}; reload it and apply your change again",
        errors=[Problem(error="stale_write", message=str(exc))],
        current_version=exc.current_version,
        current=dumped,
    )
    return json_response(body, 409, {"ETag": etag(exc.current_version)})


def guarded(handler: Handler) -> Handler:
    """``handler`` with every expected failure answered as JSON."""

    async def guard(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return problem_response(exc.status, [exc.problem], exc.headers)
        except Invalid as exc:
            return problem_response(422, exc.problems)
        except StaleWrite as exc:
            return stale_response(exc)
        except NotFound as exc:
            return problem_response(404, [Problem(error="not_found", message=str(exc))])
        except AlreadyExists as exc:
            return problem_response(409, [Problem(error="already_exists", message=str(exc))])

    guard.__name__ = handler.__name__
    guard.__doc__ = handler.__doc__
    return guard


def bearer_grant(request: Request, authority: TokenAuthority, *, query: bool = False) -> Grant:
    """The verified grant of the request's token: ``Authorization: Bearer``,
    or (if ``query``) a ``token`` query parameter for calendar subscriptions."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if not token and query:
        token = request.query_params.get("token", "").strip()
    if not token:
        raise ApiError(
            401, "missing_token", "a Bearer join token is required",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    try:
        return authority.verify(token)
    except TokenError as exc:
        raise ApiError(
            401, exc.code, exc.message,
            headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        ) from exc


def declared_over(request: Request, limit: int) -> bool:
    """Whether the request's Content-Length says more than ``limit`` bytes
    (ASCII digits only: "²".isdigit() is true, and int() refuses 4300+ digits)."""
    declared = request.headers.get("content-length", "").strip()
    if not (declared.isascii() and declared.isdigit()):
        return False
    return len(declared) > 18 or int(declared) > limit


async def read_object(request: Request, limit: int, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 413 past ``limit`` bytes, 400 if not JSON."""
    if declared_over(request, limit):
        raise ApiError(413, "too_large", f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if required:
            raise ApiError(400, "missing_body", "this request needs a JSON body")
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:  # not UTF-8, not JSON, or a number too long to read
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # "[[[[…" fits in the size limit
        raise ApiError(400, "bad_json", "the body is not valid JSON: nested too deeply") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "bad_body", "the body must be a JSON object")
    return data


def _body_version(value: object) -> int | None:
    """The body's ``version``: a whole number of at least 1 (``7.0`` too, as
    JSON Schema's ``integer`` and the body models allow it)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(422, "invalid", "version must be an integer of at least 1",
                       field="version")
    return value


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(
    request: Request, body: Mapping[str, Any], *, required: bool = True
) -> int | None:
    """The version a write is based on: ``If-Match`` (an ETag such as ``"7"``)
    or the body's ``version``. 428 when required and absent."""
    header = request.headers.get("if-match")
    from_header: int | None = None
    if header is not None:
        # ASCII digits only ("²".isdigit() is true, int("²") fails), and few
        # enough for int() (no more than 4300 digits) and for any real version.
        match = IF_MATCH.fullmatch(header.strip())
        if match is None:
            raise ApiError(
                400, "bad_version", "If-Match must be a version such as \"7\"", field="If-Match"
            )
        from_header = int(match[0].removeprefix("W/").strip('"'))
    from_body = _body_version(body.get("version"))
    if from_header is not None and from_body is not None and from_header != from_body:
        raise ApiError(
            400, "version_conflict",
            f"If-Match says {from_header} but the body says {from_body}", field="version",
        )
    version = from_header if from_header is not None else from_body
    if version is None and required:
        raise ApiError(
            428, "version_required",
            "send the version your change is based on, in If-Match or a version field",
            field="version",
        )
    return version
