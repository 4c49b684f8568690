"""Routes described as data, and the OpenAPI 3.1 document built from them.

Each :class:`Endpoint` carries its handler and the pydantic classes that
validate its body and shape its answers; the Starlette routes and the
document are both made from the same list, so neither can drift.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.responses import Response

from agenda.http import IF_MATCH_PATTERN, Call
from agenda.schemas import ErrorBody, StaleBody

REF = "#/components/schemas/{model}"


class Access(StrEnum):
    PUBLIC = "public"  # no token
    READ = "read"  # any valid token of the meeting
    MANAGE = "manage"  # an organiser token of the meeting
    SITE = "site"  # an organiser token for meeting "*"


class Versioned(StrEnum):
    NONE = "none"
    MEETING = "meeting"  # If-Match / version: the meeting's version
    ITEM = "item"  # If-Match / version: the item's version
    OPTIONAL = "optional"  # the meeting's version, checked only if given


@dataclass(frozen=True, slots=True)
class Reply:
    description: str
    model: type[BaseModel] | None = None
    # Several: any of them; none (()): the body is not described.
    media_type: str | tuple[str, ...] = "application/json"


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Callable[[Call], Awaitable[Response]]
    summary: str
    access: Access
    replies: dict[int, Reply]
    body: type[BaseModel] | None = None
    body_required: bool = True
    versioned: Versioned = Versioned.NONE
    query: dict[str, str] = field(default_factory=dict)  # name → description
    tag: str = "meetings"
    headers: dict[str, str] = field(default_factory=dict)  # request header → description
    patterns: dict[str, str] = field(default_factory=dict)  # path parameter or header → regex
    raw_body: str | None = None  # a body that is not JSON, of this media type
    # 404 before the handler runs when the path's meeting is not stored (for
    # handlers that would otherwise answer for any id, e.g. with an empty list).
    meeting_must_exist: bool = False

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)", self.path)


def _errors(endpoint: Endpoint) -> dict[int, Reply]:
    """The error answers an endpoint can give, from what it checks."""
    found: dict[int, Reply] = {}
    if endpoint.access is not Access.PUBLIC:
        found[401] = Reply("no token, or a bad or expired one", ErrorBody)
        found[403] = Reply("the token is for another meeting or lacks the role", ErrorBody)
    if endpoint.path_params():
        found[404] = Reply("no such meeting, item, venue or booth", ErrorBody)
    if endpoint.body is not None:
        found[400] = Reply("malformed JSON, or conflicting versions", ErrorBody)
        found[413] = Reply("the body is larger than 256 KiB", ErrorBody)
        found[422] = Reply("the data breaks a rule; field names where", ErrorBody)
    if endpoint.versioned is not Versioned.NONE:
        found[409] = Reply("stale write: the version given is not the current one", StaleBody)
    if endpoint.versioned in (Versioned.MEETING, Versioned.ITEM):
        found[428] = Reply("no version given (If-Match or body field)", ErrorBody)
    return found


def _content(reply: Reply) -> dict[str, Any]:
    types = (reply.media_type,) if isinstance(reply.media_type, str) else reply.media_type
    content: dict[str, Any] = {}
    for media_type in types:
        if reply.model is None:
            kind = "object" if media_type == "application/json" else "string"
            schema: dict[str, Any] = {"type": kind}
        else:
            schema = {"$ref": REF.format(model=reply.model.__name__)}
        content[media_type] = {"schema": schema}
    return content


def _replies(endpoint: Endpoint) -> dict[int, Reply]:
    """Everything the endpoint answers; its own replies say more than the
    generic error answers (e.g. a larger body limit)."""
    return {**_errors(endpoint), **endpoint.replies}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    def schema(name: str) -> dict[str, Any]:
        pattern = endpoint.patterns.get(name)
        return {"type": "string"} if pattern is None else {"type": "string", "pattern": pattern}

    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema(name)}
        for name in endpoint.path_params()
    ]
    for name, description in endpoint.query.items():
        parameters.append({"name": name, "in": "query", "required": False,
                           "description": description, "schema": {"type": "string"}})
    for name, description in endpoint.headers.items():
        parameters.append({"name": name, "in": "header", "required": False,
                           "description": description, "schema": schema(name)})
    if endpoint.versioned is not Versioned.NONE:
        parameters.append({
            "name": "If-Match", "in": "header",
            "required": False,
            "description": f"the {'item' if endpoint.versioned is Versioned.ITEM else 'meeting'}"
            " version this change is based on, e.g. \"7\" (or a version body field)",
            "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
        })
    responses = _replies(endpoint)
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": {
            str(status): (
                {"description": reply.description}
                if status in (204, 304) or not reply.media_type else
                {"description": reply.description, "content": _content(reply)}
            )
            for status, reply in sorted(responses.items())
        },
        "x-access": endpoint.access.value,
    }
    if endpoint.access is Access.PUBLIC:
        operation["security"] = []
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": endpoint.body_required,
            "content": {"application/json": {
                "schema": {"$ref": REF.format(model=endpoint.body.__name__)}
            }},
        }
    elif endpoint.raw_body is not None:
        operation["requestBody"] = {
            "required": False,
            "content": {endpoint.raw_body: {"schema": {"type": "string",
                                                       "contentMediaType": endpoint.raw_body}}},
        }
    return operation


def _models(endpoints: Sequence[Endpoint]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for endpoint in endpoints:
        for reply in _replies(endpoint).values():
            if reply.model is not None:
                seen.setdefault(reply.model.__name__, reply.model)
        if endpoint.body is not None:
            seen.setdefault(endpoint.body.__name__, endpoint.body)
    return list(seen.values())


def document(endpoints: Sequence[Endpoint], server_url: str, title: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``endpoints``."""
    _, definitions = models_json_schema(
        [(model, "validation") for model in _models(endpoints)], ref_template=REF
    )
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        # Starlette's converters ("{name:path}") are not part of OpenAPI paths.
        path = re.sub(r"{(\w+):\w+}", r"{\1}", endpoint.path)
        paths.setdefault(path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "Meetings, agenda, join links, coverage and exports. "
            "See docs/api.md for versioning and errors.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "a silkhall join token"},
            },
        },
        "security": [{"bearer": []}],
    }
