"""What every benchmark prints the same way."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    """The machine a run's figures come from: they mean little without it."""
    return (f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{platform.processor() or '?'}, Python {platform.python_version()}, "
            f"{platform.platform()}")


def fmt(value: float | None, spec: str = ".0f") -> str:
    """A figure, or "-" where the server had no sample to give."""
    return "-" if value is None else format(value, spec)
