"""Headless Debian Chromium with fake media, driven by Playwright."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path
from typing import Any

import numpy as np

CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    path = shutil.which("chromium") or CHROMIUM
    if not Path(path).exists():
        raise RuntimeError(
            "Chromium is not installed: run scripts/setup-test-env (apt-get install chromium)"
        )
    return path


def write_tone_wav(path: Path, frequency: float, seconds: float = 30.0,
                   amplitude: float = 0.5, rate: int = 48000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def chromium_args(wav: Path | None) -> list[str]:
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if wav is not None:
        args.append(f"--use-file-for-fake-audio-capture={wav}")
    return args


async def launch(playwright: Any, wav: Path | None = None) -> Any:
    return await playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=chromium_args(wav)
    )
