"""Per-connection abuse limits (pure: time is passed in)."""

from __future__ import annotations

from collections import deque


class TokenBucket:
    """Allows ``rate`` events per second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = now

    def allow(self, now: float) -> bool:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class AbuseCounter:
    """Counts refused messages in a sliding window; says when to give up."""

    def __init__(self, threshold: int, window: float) -> None:
        self.threshold = threshold
        self.window = window
        self._events: deque[float] = deque()
        self._last_notice = -1e9

    def strike(self, now: float) -> bool:
        """Record one refusal; True when the connection should be closed."""
        self._events.append(now)
        while self._events and self._events[0] < now - self.window:
            self._events.popleft()
        return len(self._events) >= self.threshold

    def should_notify(self, now: float, interval: float = 1.0) -> bool:
        """Tell the client about refusals at most once per interval."""
        if now - self._last_notice >= interval:
            self._last_notice = now
            return True
        return False
