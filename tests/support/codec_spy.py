"""Counting aiortc's own codec calls during a test, to show the server makes none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from aiortc.codecs import h264, opus, vpx


def count_calls(monkeypatch: pytest.MonkeyPatch, counts: Counter[str]) -> None:
    """Count every encode/decode of aiortc's codecs (a spy: calls go through)."""
    targets: list[tuple[Any, str]] = [
        (opus.OpusEncoder, "encode"), (opus.OpusDecoder, "decode"),
        (vpx.Vp8Encoder, "encode"), (vpx.Vp8Decoder, "decode"),
        (h264.H264Encoder, "encode"), (h264.H264Decoder, "decode"),
    ]
    for cls, name in targets:
        original: Callable[..., Any] = getattr(cls, name)
        label = f"{cls.__name__}.{name}"

        def spy(self: Any, *args: Any, _original: Callable[..., Any] = original,
                _label: str = label, **kwargs: Any) -> Any:
            counts[_label] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, spy)
