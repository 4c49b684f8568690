"""Real PortAudio devices with no sound card: ALSA's file plugin, defined in
an .asoundrc in a temporary HOME (see ../shared/testing-media.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000


@dataclass
class Room:
    """One venue's "mixer output" (a raw file it captures) and "PA" (a raw
    file its playback writes)."""

    name: str
    input_file: Path
    output_file: Path

    @property
    def input_device(self) -> str:
        return f"{self.name}_in"

    @property
    def output_device(self) -> str:
        return f"{self.name}_out"

    def pa_audio(self, last_seconds: float | None = None) -> np.ndarray:
        data = np.frombuffer(self.output_file.read_bytes(), dtype="<i2").astype(np.float64)
        data /= 32768.0
        if last_seconds is not None:
            data = data[-int(last_seconds * RATE):]
        return data


def write_raw_tone(path: Path, frequency: float, seconds: float, amplitude: float = 0.5) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    samples = amplitude * np.sin(2 * np.pi * frequency * t) if frequency else np.zeros(t.size)
    path.write_bytes((samples * 32767).astype("<i2").tobytes())


def alsa_home(home: Path, rooms: dict[str, float], seconds: float = 120.0) -> dict[str, Room]:
    """Write ``home/.asoundrc`` with one input/output pair per room, each
    input playing a tone (0 for silence). Returns the rooms by name."""
    home.mkdir(parents=True, exist_ok=True)
    out: dict[str, Room] = {}
    lines = ["pcm.null { type null }"]
    for name, frequency in rooms.items():
        room = Room(name, home / f"{name}-in.raw", home / f"{name}-out.raw")
        write_raw_tone(room.input_file, frequency, seconds)
        room.output_file.write_bytes(b"")
        lines.append(
            f'pcm.{name}_in {{ type file slave.pcm "null" file "/dev/null" '
            f'infile "{room.input_file}" format "raw" }}'
        )
        lines.append(
            f'pcm.{name}_out {{ type file slave.pcm "null" file "{room.output_file}" '
            f'format "raw" }}'
        )
        out[name] = room
    (home / ".asoundrc").write_text("\n".join(lines) + "\n")
    return out


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    return env
