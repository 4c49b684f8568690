"""Hands an HTTP request to the node that hosts its meeting and returns that
node's answer, for clients that would not follow a redirect to another
origin with their token (browsers' fetch and most HTTP clients drop the
Authorization header when they do). Media then flows to that node directly:
its SDP answer carries its own ICE candidates."""

from __future__ import annotations

from urllib.parse import urljoin

import httpx
from starlette.requests import Request
from starlette.responses import Response

FORWARDED = "x-silkhall-forwarded"
_HOP_BY_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding",
               "te", "upgrade", "proxy-authorization"}


async def forward(request: Request, node_url: str, body: bytes | None = None) -> Response:
    if request.headers.get(FORWARDED):
        # Placement changed between two nodes' views: do not bounce around.
        return Response("the meeting is moving between nodes; try again\n", status_code=503,
                        headers={"Retry-After": "1"}, media_type="text/plain")
    target = node_url.rstrip("/") + request.url.path
    if request.url.query:
        target += "?" + request.url.query
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    headers[FORWARDED] = "1"
    payload = body if body is not None else await request.body()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.request(request.method, target, content=payload,
                                        headers=headers)
    except httpx.HTTPError as exc:
        return Response(f"the meeting's node did not answer: {exc}\n", status_code=502,
                        media_type="text/plain")
    out_headers = {k: v for k, v in answer.headers.items()
                   if k.lower() not in _HOP_BY_HOP and k.lower() != "content-encoding"}
    if "location" in answer.headers:
        # Sessions live on the hosting node: give their absolute address.
        out_headers["location"] = urljoin(node_url.rstrip("/") + "/", answer.headers["location"])
    return Response(answer.content, status_code=answer.status_code, headers=out_headers)
