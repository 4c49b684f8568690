"""Places each track's packets on the recording's one timeline (pure).

A track's own timestamps are smooth but run on the clock of whoever made
them (a browser's sound card, our mixer); the recording's timeline is the
server's monotonic clock. A track keeps its own spacing (so network jitter
does not shake it) and is moved to follow wall time only when it has been
off by more than ``tolerance`` for a whole ``window``: real clock drift or a
gap, never one late packet. So tracks stay aligned over hours, across
silences and across channel switches.
"""

from __future__ import annotations

from collections import deque


class TrackClock:
    def __init__(
        self, rate: int, start: float, tolerance: float = 0.02, window: float = 1.0
    ) -> None:
        self.rate = rate
        self.start = start
        self._tolerance = round(tolerance * rate)
        self._window = window
        self._offset: int | None = None
        self._last: int | None = None
        self._lateness: deque[tuple[float, int]] = deque()
        self.moves = 0

    def place(self, pts: int, arrival: float, duration: int = 0) -> int | None:
        """The timeline position of a packet in ``rate`` units, or None to
        drop it (it would overlap what is already written)."""
        wall = round((arrival - self.start) * self.rate)
        if self._offset is None:
            self._offset = wall - pts
        lateness = wall - (pts + self._offset)
        self._lateness.append((arrival, lateness))
        while self._lateness and self._lateness[0][0] < arrival - self._window:
            self._lateness.popleft()
        if lateness < -self._tolerance:
            # Earlier than the timeline says: the source's clock runs fast.
            self._offset += lateness
            self._lateness.clear()
            self.moves += 1
        else:
            steady = min(late for _, late in self._lateness)
            covered = arrival - self._lateness[0][0] >= self._window * 0.9
            if steady > self._tolerance and (covered or steady > 10 * self._tolerance):
                # Late for a whole window (a slow clock) or by far (a gap).
                self._offset += steady
                self._lateness.clear()
                self.moves += 1
        position = pts + self._offset
        if self._last is not None and position <= self._last:
            if position + duration <= self._last:
                return None
            position = self._last + max(1, duration)
        self._last = position
        return max(0, position)
