"""The one place that reads the wall clock, so that tests can move time."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return _now()


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the wall clock."""
    global _now
    _now = now if now is not None else (lambda: datetime.now(UTC))


def get_clock() -> Callable[[], datetime]:
    """The clock in use, to put back after replacing it for a while."""
    return _now


_started: datetime | None = None


def start_clock_at(start: datetime) -> None:
    """Let the clock run on from `start` instead of from the wall clock's now (dev mode: a
    server under test that must see a chosen hour and weekday, whatever the real ones). Once
    per process: the server's start-up and its app factory both ask, time must not jump back."""
    global _started
    if _started == start:
        return
    _started = start
    began = time.monotonic()
    set_clock(lambda: start + timedelta(seconds=time.monotonic() - began))
