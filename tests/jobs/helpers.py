"""A clock tests can move, and small readers of the jobs table."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.kit.clock import set_clock
from omniline.models import Job


class MovableClock:
    """Time that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def advance(self, **delta: float) -> datetime:
        """Move time forward and return the new now."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    """Replace the clock of the code under test; the wall clock comes back afterwards."""
    moving = MovableClock()
    set_clock(lambda: moving.now)
    try:
        yield moving
    finally:
        set_clock(None)


async def load_job(sessions: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> Job:
    """A fresh copy of a job row."""
    async with sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job
