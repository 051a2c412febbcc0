"""A small in-memory throttle: one pass per key per window (for courtesy messages only)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Throttle:
    """Lets a key through once per `window`; remembers at most `capacity` keys."""

    def __init__(self, window: timedelta, capacity: int = 10_000) -> None:
        self._window = window
        self._capacity = capacity
        self._passed: dict[int, datetime] = {}

    def allow(self, key: int, now: datetime) -> bool:
        """Whether `key` may pass now; a pass starts its window."""
        last = self._passed.get(key)
        if last is not None and now - last < self._window:
            return False
        if len(self._passed) >= self._capacity:
            self._passed = {k: t for k, t in self._passed.items() if now - t < self._window}
            if len(self._passed) >= self._capacity:
                # Still full: forget the oldest half rather than grow without bound.
                keep = sorted(self._passed.items(), key=lambda item: item[1])[self._capacity // 2 :]
                self._passed = dict(keep)
        self._passed[key] = now
        return True
