"""Moderated mode with real peers: a delegate's microphone reaches the floor
only while the chair gives them the floor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.support.live import LiveServer
from tests.support.tones import ToneTrack, dominant_frequency, tone_power
from tests.support.whip import WhepListener
from tests.support.wsclient import Message, SignallingClient

pytestmark = pytest.mark.media


def on_floor(participant_id: str) -> Callable[[Message], bool]:
    def matches(message: Message) -> bool:
        return bool(message["participant"]["id"] == participant_id
                    and message["participant"]["on_floor"])
    return matches


async def test_raise_hand_grant_revoke(server: LiveServer) -> None:
    chair = SignallingClient(server.ws_url, server.token("organiser", name="Chair"))
    delegate = SignallingClient(server.ws_url, server.token("delegate", name="Renata"),
                                mic=ToneTrack(660))
    floor = WhepListener(server.base, "demo", "floor", server.token("delegate"))
    try:
        await chair.join()
        await chair.send({"type": "set_moderated", "on": True})
        await chair.wait_for("moderation", lambda m: m["moderated"])
        await delegate.join()
        await delegate.wait_connected()
        await delegate.send({"type": "media", "mic": True, "camera": False})
        assert (await floor.start()).status_code == 201
        await asyncio.sleep(2.0)
        assert floor.collector is not None
        assert tone_power(floor.collector.last(1.0), 660) < 1e-4, "not on the floor yet"

        me = delegate.welcome["you"]["id"]  # type: ignore[index]
        await delegate.send({"type": "raise_hand"})
        queue = await chair.wait_for("moderation", lambda m: bool(m["hands"]))
        assert [h["participant"] for h in queue["hands"]] == [me]

        await chair.send({"type": "grant_floor", "participant": me, "limit": 120})
        granted = await delegate.wait_for("moderation", lambda m: bool(m["granted"]))
        assert granted["granted"][0]["ends_at"] == pytest.approx(
            granted["granted"][0]["granted_at"] + 120)
        await asyncio.sleep(1.5)
        assert dominant_frequency(floor.collector.last(1.0)) == pytest.approx(660, abs=5)

        await chair.send({"type": "revoke_floor", "participant": me})
        await delegate.wait_for("moderation", lambda m: not m["granted"] and m["moderated"],
                                since=len(delegate.messages) - 1)
        await asyncio.sleep(1.5)
        assert tone_power(floor.collector.last(0.8), 660) < 1e-4, "off the floor again"

        # A delegate cannot grant themselves the floor.
        mark = len(delegate.messages)
        await delegate.send({"type": "grant_floor", "participant": me})
        error = await delegate.wait_for("error", since=mark)
        assert error["code"] == "forbidden"
    finally:
        await floor.stop()
        await delegate.close()
        await chair.close()


async def test_unmoderated_open_microphone_cap(server: LiveServer) -> None:
    clients = [
        SignallingClient(server.ws_url, server.token("delegate", name=f"D{i}"), tap=True)
        for i in range(5)
    ]
    try:
        for client in clients:
            await client.join()
        for client in clients[:4]:
            await client.send({"type": "media", "mic": True, "camera": False})
        # The four are on the floor before the fifth asks (each connection is
        # handled on its own, so their messages could otherwise overtake).
        for client in clients[:4]:
            me = client.welcome["you"]["id"]  # type: ignore[index]
            await clients[4].wait_for("participant_updated", on_floor(me))
        mark = len(clients[4].messages)
        await clients[4].send({"type": "media", "mic": True, "camera": False})
        error = await clients[4].wait_for("error", since=mark)
        assert (error["code"], error["field"]) == ("limit", "mic")
    finally:
        for client in clients:
            await client.close()
