"""Forwarding does no codec work per subscriber: with one publisher and ten
subscribers, every codec operation while media flows is the floor mix's."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.support.codec_spy import count_calls
from tests.support.live import LiveServer
from tests.support.opus import OpusPacketTrack, encode_tone
from tests.support.wsclient import SignallingClient

pytestmark = pytest.mark.media

SUBSCRIBERS = 10


async def test_one_publisher_ten_subscribers_codec_work_is_only_the_floor_mix(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The publisher sends packets encoded beforehand, subscribers never
    # decode (tap receivers): any codec call in this process is the server's.
    track = OpusPacketTrack(encode_tone(440, 2.0))
    publisher = SignallingClient(server.ws_url, server.token("delegate", name="Speaker"),
                                 mic=track, tap=True)
    subscribers = [
        SignallingClient(server.ws_url, server.token("delegate", name=f"Listener {i}"), tap=True)
        for i in range(SUBSCRIBERS)
    ]
    clients = [publisher, *subscribers]
    try:
        await publisher.join()
        await publisher.send({"type": "media", "mic": True, "camera": False})
        for client in subscribers:
            await client.join()
            await client.send({"type": "media", "mic": False, "camera": False})
        # One listener of a language channel makes the floor mix run.
        await subscribers[0].send({"type": "listen", "language": "fr"})
        for client in clients:
            await client.wait_connected()
        await asyncio.sleep(2.0)  # routing settles, floor mix primes

        room = server.services.hub.rooms["demo"]
        stats = server.services.stats
        counts: Counter[str] = Counter()
        count_calls(monkeypatch, counts)
        decodes0 = sum(stats.decodes.values())
        encodes0 = sum(stats.encodes.values())
        sent0 = room.participants[publisher.welcome["you"]["id"]].mic.packets  # type: ignore[index]
        received0 = [sum(c.packets[m] for m in c.mids("floor")) for c in subscribers]

        await asyncio.sleep(4.0)

        sent = room.participants[publisher.welcome["you"]["id"]].mic.packets - sent0  # type: ignore[index]
        received = [
            sum(c.packets[m] for m in c.mids("floor")) - before
            for c, before in zip(subscribers, received0, strict=True)
        ]
        decodes = sum(stats.decodes.values()) - decodes0
        encodes = sum(stats.encodes.values()) - encodes0
        language = subscribers[0].packets[subscribers[0].mids("language")[0]]

        assert sent >= 150, f"the publisher sent {sent} packets in 4 s"
        for index, count in enumerate(received):
            assert count >= 0.9 * sent, f"subscriber {index} got {count} of {sent} packets"
        assert sum(counts.values()) == 0, f"codec calls outside the floor mix: {dict(counts)}"
        assert set(stats.decodes) <= {"floor-mix"} and set(stats.encodes) <= {"floor-mix"}
        # Decoded once per source packet and encoded once per 20 ms tick:
        # not once per subscriber.
        assert 0.8 * sent <= decodes <= 1.1 * sent + 5, (decodes, sent)
        assert 150 <= encodes <= 1.2 * 4.0 / 0.02, encodes
        assert language > 0, "the language channel (auto floor) carried the floor mix"
    finally:
        for client in clients:
            await client.close()
