"""Operators' metrics: open to the host, closed to others without a site
organiser's token."""

from __future__ import annotations

from starlette.requests import Request

from server.app import metrics_allowed
from server.auth.roles import Role
from tests.support.live import LiveServer


def request(host: str, token: str | None = None, proxied: bool = False) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    if proxied:
        headers.append((b"x-forwarded-for", b"198.51.100.4"))
    return Request({"type": "http", "method": "GET", "path": "/metrics", "headers": headers,
                    "client": (host, 40000), "query_string": b""})


async def test_metrics_are_for_the_host_or_a_site_organiser(server: LiveServer) -> None:
    authority = server.services.authority
    assert metrics_allowed(request("127.0.0.1"), authority)
    assert not metrics_allowed(request("127.0.0.1", proxied=True), authority)
    assert not metrics_allowed(request("192.0.2.7"), authority)
    assert not metrics_allowed(request("192.0.2.7", server.token("organiser")), authority)
    site = authority.mint("*", Role.ORGANISER)
    assert metrics_allowed(request("192.0.2.7", site), authority)
    assert not metrics_allowed(request("192.0.2.7", "not-a-token"), authority)
