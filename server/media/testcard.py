"""Test cards: a tone and a moving pattern as media files. The demo plays one
for its video item; tests play them into meetings."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_webm(path: Path, frequency: float = 880.0, seconds: float = 12.0, fps: int = 15) -> Path:
    """Opus audio and VP8 video (a keyframe every second) in WebM: what plays
    into a meeting without any transcoding."""
    with av.open(str(path), "w", format="webm") as out:
        audio = out.add_stream("libopus", rate=48000, layout="mono")
        video = out.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        video.codec_context.gop_size = fps
        video.codec_context.bit_rate = 300_000
        samples_done = 0
        for index in range(int(seconds * fps)):
            y = np.full((180, 320), 16 + (index * 7) % 200, dtype=np.uint8)
            y[:, (index * 4) % 320:(index * 4) % 320 + 20] = 235  # a moving bar
            rgb = np.stack([y, 255 - y, y // 2], axis=-1)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
            until = int((index + 1) / fps * 48000)
            while samples_done < until:
                n = min(960, until - samples_done)
                t = (np.arange(n) + samples_done) / 48000
                tone = (0.5 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
                aframe = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16",
                                                    layout="mono")
                aframe.sample_rate = 48000
                aframe.pts = samples_done
                aframe.time_base = Fraction(1, 48000)
                samples_done += n
                for packet in audio.encode(aframe):
                    out.mux(packet)
        for stream in (audio, video):
            for packet in stream.encode(None):
                out.mux(packet)
    return path


def make_wav(path: Path, frequency: float = 880.0, seconds: float = 8.0) -> Path:
    """Plain PCM in WAV: not Opus, so playing it means transcoding."""
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=44100, layout="stereo")
        for start in range(0, int(seconds * 44100), 1024):
            t = (np.arange(1024) + start) / 44100
            tone = (0.5 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
            interleaved = np.repeat(tone, 2).reshape(1, -1)  # L R L R ...
            frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout="stereo")
            frame.sample_rate = 44100
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
