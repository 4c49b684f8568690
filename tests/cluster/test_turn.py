"""TURN through a real coturn on loopback.

A delegate behind a firewall that lets nothing but its TURN server through
(``iceTransportPolicy="relay"``) gets credentials from silkhall and hears the
floor through coturn; credentials past their expiry are refused by coturn.
silkhall's own peers keep their 127.0.0.1 host candidates: TURN is for clients.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import random
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnection

from server.config import Settings, TurnSettings
from server.turn import mint
from tests.support.live import LiveServer, live_server
from tests.support.processes import stop
from tests.support.tones import ToneTrack, dominant_frequency
from tests.support.whip import WhepListener, WhipPublisher
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media

SECRET = "coturn-and-silkhall-share-this"
TTL = 600
CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ (\w+)", re.MULTILINE)
LINK = re.compile(
    r'^<(?P<url>[^>]+)>; rel="ice-server"; username="(?P<username>[^"]+)"; '
    r'credential="(?P<credential>[^"]+)"; credential-type="password"$'
)


@dataclass(frozen=True)
class Coturn:
    url: str
    relay_ports: range
    log: Path

    def sessions(self) -> str:
        """coturn's session log lines so far (it logs each request with --verbose)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if ": session " in line)


def _udp_and_tcp_port() -> int:
    """A loopback port free for both UDP and TCP (coturn listens on both)."""
    for _ in range(50):
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port for coturn")


def _stun_answers(port: int) -> bool:
    """Whether a STUN Binding request to 127.0.0.1:port gets a success answer."""
    transaction = os.urandom(12)
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + transaction
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(0.2)
        udp.sendto(request, ("127.0.0.1", port))
        try:
            answer = udp.recv(2048)
        except OSError:
            return False
    return answer[:2] == b"\x01\x01" and answer[8:20] == transaction


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Coturn]:
    """Debian's coturn on loopback, sharing ``SECRET`` with silkhall."""
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.fail("turnserver is not installed (Debian package coturn; "
                    "`scripts/setup --test` installs it)")
    port = _udp_and_tcp_port()
    low = random.randrange(40000, 60000, 100)
    log = tmp_path / "coturn.log"
    command = [
        binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", "--use-auth-secret", f"--static-auth-secret={SECRET}",
        "--realm=silkhall", "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls",
        f"--min-port={low}", f"--max-port={low + 99}",
        "--log-file=stdout", "--simple-log", "--verbose",
        f"--pidfile={tmp_path / 'coturn.pid'}", f"--userdb={tmp_path / 'coturn.sqlite'}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while not _stun_answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"coturn did not start (exit {process.poll()}):\n"
                            + log.read_text(errors="replace")[-3000:])
        yield Coturn(f"turn:127.0.0.1:{port}?transport=udp", range(low, low + 100), log)
    finally:
        stop(process)


@pytest.fixture
async def turn_server(tmp_path: Path, coturn: Coturn) -> Any:
    data = tmp_path / "data"
    settings = Settings(data_dir=data, idle_close=5,
                        turn=TurnSettings(urls=(coturn.url,), secret=SECRET, ttl=TTL))
    async with live_server(data, settings=settings) as live:
        yield live


def relay_only(server: dict[str, Any]) -> RTCPeerConnection:
    """A peer that may only use the TURN server (host candidates never gathered)."""
    ice = RTCIceServer(urls=server["urls"], username=server["username"],
                       credential=server["credential"])
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[ice], iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    )


def candidates(sdp: str) -> list[tuple[str, int, str]]:
    """(address, port, type) of every candidate in an SDP."""
    return [(address, int(port), kind) for address, port, kind in CANDIDATE.findall(sdp)]


def local_candidate_types(pc: RTCPeerConnection) -> list[str]:
    transport = pc.getTransceivers()[0].receiver.transport.transport
    return [c.type for c in transport.iceGatherer.getLocalCandidates()]


async def wait_state(pc: RTCPeerConnection, states: set[str], timeout: float) -> str:
    """The connection state once it is one of ``states``, or after ``timeout``."""
    changed = asyncio.Event()
    pc.on("connectionstatechange", changed.set)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while pc.connectionState not in states:
                changed.clear()
                await changed.wait()
    state: str = pc.connectionState
    return state


def expires_of(username: str, user: str) -> int:
    expiry, _, rest = username.partition(":")
    assert rest == user
    return int(expiry)


def signed(username: str) -> str:
    """The TURN REST API password, computed here independently of server.turn."""
    digest = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


async def get_turn(server: LiveServer, token: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(server.base + "/api/turn",
                              headers={"Authorization": f"Bearer {token}"})


def test_credentials_have_the_turn_rest_api_form() -> None:
    credential = mint("secret", "delegate-7", 3600, now=1_600_000_000)
    assert credential.username == "1600003600:delegate-7"
    assert credential.expires == 1_600_003_600
    expected = hmac.new(b"secret", b"1600003600:delegate-7", hashlib.sha1).digest()
    assert base64.b64decode(credential.credential) == expected
    assert mint("secret", "x", -60).expires < time.time()


async def test_relay_only_listener_hears_the_floor_through_coturn(
    turn_server: LiveServer, coturn: Coturn
) -> None:
    server = turn_server
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440))
    response = await publisher.start()
    assert response.status_code == 201, response.text
    # RFC 9725 section 4.6: the answer names our TURN server with credentials.
    links = response.headers.get_list("link")
    assert len(links) == 1, links
    link = LINK.match(links[0])
    assert link is not None, links[0]
    assert link["url"] == coturn.url
    assert link["credential"] == signed(link["username"])
    assert "Link" in response.headers["access-control-expose-headers"]

    # Credentials as a browser gets them (welcome) and as a bare client does.
    token = server.token("delegate", identity="delegate-behind-firewall", name="D")
    client = SignallingClient(server.ws_url, token)
    try:
        welcome = await client.join()
    finally:
        await client.close()
    [from_welcome] = welcome["ice_servers"]
    assert from_welcome["urls"] == [coturn.url]
    assert from_welcome["credential"] == signed(from_welcome["username"])
    answer = await get_turn(server, token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json()["ttl"] == TTL
    [ice] = answer.json()["ice_servers"]
    assert ice["urls"] == [coturn.url]
    assert ice["credential"] == signed(ice["username"])
    expires = expires_of(ice["username"], "delegate-behind-firewall")
    assert time.time() + TTL - 60 < expires <= time.time() + TTL + 1

    listener = WhepListener(server.base, "demo", "floor", token, pc=relay_only(ice))
    try:
        response = await listener.start()
        assert response.status_code == 201, response.text
        # Only relay candidates, on coturn's relay ports: nothing else was gathered.
        offered = candidates(listener.pc.localDescription.sdp)
        assert offered, listener.pc.localDescription.sdp
        for address, port, kind in offered:
            assert (address, kind) == ("127.0.0.1", "relay") and port in coturn.relay_ports
        assert set(local_candidate_types(listener.pc)) == {"relay"}
        # The server answers with its own loopback host candidates, no relay.
        answered = candidates(response.text)
        assert answered and {(a, k) for a, _, k in answered} == {("127.0.0.1", "host")}
        assert server.settings.media.ice_servers == ()

        assert await wait_state(listener.pc, {"connected", "failed"}, 20) == "connected"
        await asyncio.sleep(3.0)
        assert listener.collector is not None
        assert dominant_frequency(listener.collector.last(2.0)) == pytest.approx(440, abs=3)
    finally:
        await listener.stop()
        await publisher.stop()
    # coturn allocated the relay for these very credentials.
    assert f"user <{ice['username']}>: incoming packet ALLOCATE processed, success" in (
        coturn.sessions())


async def test_expired_credentials_are_refused(turn_server: LiveServer, coturn: Coturn) -> None:
    server = turn_server
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="como"),
                              ToneTrack(440))
    assert (await publisher.start()).status_code == 201
    stale = mint(SECRET, "late-delegate", -60)
    assert stale.credential == signed(stale.username)  # well signed, only expired
    token = server.token("delegate", identity="late-delegate")
    pc = relay_only({"urls": [coturn.url], "username": stale.username,
                     "credential": stale.credential})
    listener = WhepListener(server.base, "demo", "floor", token, pc=pc)
    started = time.monotonic()
    try:
        response = await listener.start()
        assert candidates(listener.pc.localDescription.sdp) == []
        assert local_candidate_types(listener.pc) == []
        if response.status_code == 201:
            # Without a candidate it cannot connect; aiortc may stay "new".
            state = await wait_state(listener.pc, {"connected", "failed"}, 10)
            assert state != "connected"
        assert time.monotonic() - started < 30
    finally:
        await listener.stop()
        await publisher.stop()
    refusal = f"user <{stale.username}>: incoming packet message processed, error 401"
    assert refusal in coturn.sessions(), coturn.sessions()
    assert "ALLOCATE processed, success" not in coturn.sessions()


async def test_without_a_turn_server_clients_get_no_ice_servers(server: LiveServer) -> None:
    answer = await get_turn(server, server.token("delegate"))
    assert answer.status_code == 200
    assert answer.json() == {"ice_servers": [], "ttl": 0}
    refused = await get_turn(server, "not-a-token")
    assert refused.status_code == 401
    assert refused.json()["error"] == "bad_token"
    publisher = WhipPublisher(server.base, "demo", server.token("venue", venue="lyon"),
                              ToneTrack(440))
    try:
        response = await publisher.start()
        assert response.status_code == 201
        assert response.headers.get_list("link") == []
    finally:
        await publisher.stop()
