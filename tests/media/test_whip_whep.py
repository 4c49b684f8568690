"""WHIP publishing and WHEP listening with real aiortc peers and tones."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest

from server.auth.roles import Role
from tests.support.live import LiveServer
from tests.support.tones import ToneTrack, dominant_frequency
from tests.support.whip import WhepListener, WhipPublisher

pytestmark = pytest.mark.media


async def test_venue_publishes_and_floor_listener_hears_it(server: LiveServer) -> None:
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440))
    listener = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    try:
        response = await publisher.start()
        assert response.status_code == 201, response.text
        assert response.headers["content-type"].startswith("application/sdp")
        assert response.headers["location"].startswith("/whip/sessions/")
        response = await listener.start()
        assert response.status_code == 201, response.text
        await asyncio.sleep(3.5)
        assert listener.collector is not None
        assert dominant_frequency(listener.collector.last(2.0)) == pytest.approx(440, abs=3)
        room = server.services.hub.rooms["demo"]
        venue = next(p for p in room.participants.values() if p.venue == "lyon")
        assert venue.on_floor, "a venue's feed is on the floor at once"
    finally:
        await listener.stop()
        await publisher.stop()


async def test_delete_ends_the_whip_session(server: LiveServer) -> None:
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="como"),
                              ToneTrack(440))
    await publisher.start()
    room = server.services.hub.rooms["demo"]
    assert any(p.venue == "como" for p in room.participants.values())
    async with httpx.AsyncClient() as http:
        assert (await http.delete(str(publisher.location))).status_code == 200
        assert (await http.delete(str(publisher.location))).status_code == 404
    assert not any(p.venue == "como" for p in room.participants.values())
    await publisher.pc.close()


async def _post(server: LiveServer, path: str, body: str, token: str | None,
                content_type: str = "application/sdp") -> httpx.Response:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient() as http:
        return await http.post(server.base + path, content=body, headers=headers)


async def _valid_offer() -> str:
    publisher = WhipPublisher("", "", "", ToneTrack(440))
    publisher.pc.addTransceiver(publisher.audio, direction="sendonly")
    await publisher.pc.setLocalDescription(await publisher.pc.createOffer())
    sdp: str = publisher.pc.localDescription.sdp
    await publisher.pc.close()
    return sdp


@pytest.mark.parametrize("path", ["/whip/demo", "/whep/demo/floor"])
async def test_bad_requests_get_clear_errors(server: LiveServer, path: str) -> None:
    offer = await _valid_offer()
    venue = server.token("venue", venue="lyon")
    claims = {"sub": "x", "aud": "silkhall", "exp": 4102444800, "role": "venue",
              "mtg": "demo", "venue": "lyon"}
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    expired = server.services.authority.mint("demo", Role.VENUE, venue="lyon", ttl=1, now=0)
    cases: list[tuple[str, str, str | None, str, int]] = [
        ("no token", path, None, offer, 401),
        ("forged token", path, forged, offer, 401),
        ("expired token", path, expired, offer, 401),
        ("unknown meeting", path.replace("demo", "nowhere"),
         server.token("venue", meeting="nowhere", venue="lyon"), offer, 404),
        ("garbage SDP", path, venue, "this is not SDP", 400),
        ("SDP without media", path, venue, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
         400),
    ]
    for name, target, token, body, status in cases:
        response = await _post(server, target, body, token)
        assert response.status_code == status, f"{name}: {response.status_code} {response.text}"
        assert response.text.strip(), f"{name}: the error says why"
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
    response = await _post(server, path, offer, venue, content_type="text/plain")
    assert response.status_code == 415


async def test_whip_refuses_roles_that_do_not_publish(server: LiveServer) -> None:
    offer = await _valid_offer()
    response = await _post(server, "/whip/demo", offer, server.token("interpreter", booth="zh"))
    assert response.status_code == 403


async def test_whep_unknown_channel_is_404(server: LiveServer) -> None:
    offer = await _valid_offer()
    response = await _post(server, "/whep/demo/xx", offer, server.token("delegate"))
    assert response.status_code == 404
    assert "channel" in response.text
