"""``silkhall venue`` and ``silkhall devices``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys
from urllib.parse import urlsplit

from client.venue.audio import SoundIO, list_devices
from client.venue.session import VenueSession, show_status


def add_venue_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    venue = commands.add_parser(
        "venue",
        help="join a meeting as a room: its sound desk in, one language out to its PA",
        description=(
            "Joins a meeting as a venue (a join token with role venue). Captures the room's "
            "mixer from a sound device and puts it on the floor; plays one language channel "
            "(by default the venue's PA language) to the PA, never the room's own feed. "
            "Reconnects by itself. Devices are names or numbers from `silkhall devices`."
        ),
    )
    venue.add_argument("--server", required=True, help="the server's URL, e.g. https://hall.example")
    venue.add_argument("--token", required=True, help="a join token with role venue")
    venue.add_argument("--input", help="capture device: the mixer's output (default: system)")
    venue.add_argument("--output", help="playback device: the PA (default: system)")
    venue.add_argument(
        "--listen", help='language for the PA, or "floor" for the original (default: the '
        "venue's PA language from the meeting)",
    )
    venue.add_argument("--camera", help="a V4L2 camera device to send, e.g. /dev/video0")
    venue.add_argument(
        "--latency", type=float, default=0.06,
        help="playout buffer in seconds (default 0.06); drift is absorbed around it",
    )
    venue.add_argument(
        "--ice-address", action="append", dest="ice_addresses", metavar="ADDR",
        help="local address for media (default: all; 127.0.0.1 for a server on loopback)",
    )
    commands.add_parser("devices", help="list sound devices (for --input and --output)")


def devices() -> int:
    for device in list_devices():
        kinds = []
        if device.get("max_input_channels", 0) > 0:
            kinds.append(f"in {device['max_input_channels']}ch")
        if device.get("max_output_channels", 0) > 0:
            kinds.append(f"out {device['max_output_channels']}ch")
        rate = int(device.get("default_samplerate", 0))
        print(f"{device['index']:3d}  {device['name']}  ({', '.join(kinds)}, {rate} Hz)")
    return 0


def _device(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _loopback(server: str) -> bool:
    host = urlsplit(server).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def venue(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    addresses = args.ice_addresses or (["127.0.0.1"] if _loopback(args.server) else None)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        sound = SoundIO(loop, _device(args.input), _device(args.output), args.latency)
        session = VenueSession(args.server, args.token, sound, args.listen, args.camera,
                               addresses)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, session.stop)
        sound.start()
        status = asyncio.ensure_future(show_status(session))
        runner = asyncio.ensure_future(session.run())
        try:
            while not runner.done():
                await asyncio.sleep(0.2)
                if session.stopping:
                    runner.cancel()
                if sound.errors:
                    raise SystemExit(f"silkhall venue: sound device: {sound.errors[0]}")
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        finally:
            status.cancel()
            runner.cancel()
            sound.stop()
            print()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


if __name__ == "__main__":
    sys.exit(devices())
