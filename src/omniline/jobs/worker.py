"""Claims due jobs from the `jobs` table and runs their handlers, with retries and backoff.

PostgreSQL: claims with FOR UPDATE SKIP LOCKED, so many workers share the table safely.
SQLite: one process writes at a time (BEGIN IMMEDIATE), so a plain claim is already exclusive.
A claimed job is leased (`locked_until`); if its worker dies the lease runs out and another
worker takes it, so handlers must be safe to run twice. A handler is cut off after `timeout`,
which is shorter than the lease, so a living worker never loses a job it is still running.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.kit.clock import utcnow
from omniline.models import Job, JobStatus

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
LEASE = timedelta(minutes=5)
HANDLER_TIMEOUT = timedelta(minutes=1)


class RetryLater(Exception):
    """A handler asks to be run again later without counting it as a failed attempt."""

    def __init__(self, reason: str = "retry later", *, after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.after = after


@dataclass(frozen=True, slots=True)
class Attempt:
    """The run of a job a handler is in: which try it is and how many it gets."""

    job_id: uuid.UUID
    kind: str
    number: int
    max_attempts: int

    @property
    def last(self) -> bool:
        """No further try follows if this one fails."""
        return self.number >= self.max_attempts


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempts: int  # the claim's token: a later claim of the same job raises it
    max_attempts: int


@dataclass(frozen=True, slots=True)
class _Outcome:
    error: str | None = None
    counts: bool = True  # False for RetryLater: the attempt is given back
    delay: timedelta | None = None


_attempt: ContextVar[Attempt | None] = ContextVar("omniline_job_attempt", default=None)


def current_attempt() -> Attempt | None:
    """The job attempt the calling handler runs in (None outside the worker)."""
    return _attempt.get()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 2, 4, 8 ... seconds, at most one hour."""
    return timedelta(seconds=min(2 ** min(attempts, 12), 3600))


class Worker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: dict[str, Handler],
        *,
        poll_seconds: float = 1.0,
        batch: int = 20,
        timeout: timedelta = HANDLER_TIMEOUT,
    ) -> None:
        if timeout >= LEASE:
            raise ValueError("a handler's timeout must be shorter than the lease")
        self._sessions = sessions
        self._handlers = handlers
        self._poll = poll_seconds
        self._batch = batch
        self._timeout = timeout.total_seconds()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def set_handlers(self, handlers: dict[str, Handler]) -> None:
        """Replace the handlers (wired after construction, as handlers need the runtime parts)."""
        self._handlers = handlers

    def wake(self) -> None:
        """Look for due jobs now (called after a commit that enqueued some)."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._stopping = False
        self._task = asyncio.create_task(self.run_forever())

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Finish the batch at hand (for up to `grace_seconds`), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        if not self._task.done():
            # jobs cut off here stay leased and are taken again when the lease runs out
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def run_forever(self) -> None:
        """Run due jobs until stopped or cancelled."""
        while not self._stopping:
            # cleared before looking, so a wake during the look is not lost
            self._wake.clear()
            try:
                ran = await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("jobs: the worker loop failed; retrying")
                ran = 0
            if ran == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)

    async def run_due(self) -> int:
        """Claim one batch of due jobs and run them side by side; returns how many ran."""
        claimed = await self._claim()
        if claimed:
            await asyncio.gather(*(self._run(job) for job in claimed))
        return len(claimed)

    async def _claim(self) -> list[_Claimed]:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            query = (
                select(Job)
                .where(
                    or_(
                        Job.status == JobStatus.PENDING,
                        (Job.status == JobStatus.RUNNING) & (Job.locked_until < now),
                    ),
                    Job.run_at <= now,
                )
                .order_by(Job.run_at)
                .limit(self._batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            jobs = list(await session.scalars(query))
            for job in jobs:
                job.status = JobStatus.RUNNING
                job.locked_until = now + LEASE
                job.attempts += 1
            return [
                _Claimed(j.id, j.kind, dict(j.payload), j.attempts, j.max_attempts) for j in jobs
            ]

    async def _run(self, job: _Claimed) -> None:
        outcome = await self._call(job)
        try:
            await self._finish(job, outcome)
        except Exception:
            # the job stays leased; when the lease runs out it is taken again
            log.exception("jobs: could not record the end of %s %s", job.kind, job.id)

    async def _call(self, job: _Claimed) -> _Outcome:
        handler = self._handlers.get(job.kind)
        if handler is None:
            return _Outcome(f"no handler for job kind '{job.kind}'")
        with _in_attempt(Attempt(job.id, job.kind, job.attempts, job.max_attempts)):
            try:
                async with asyncio.timeout(self._timeout):
                    await handler(job.payload)
            except RetryLater as exc:
                return _Outcome(str(exc), counts=False, delay=exc.after)
            except TimeoutError:
                return _Outcome(f"timed out after {self._timeout:g} seconds")
            except Exception as exc:
                log.exception("jobs: %s %s failed", job.kind, job.id)
                return _Outcome(f"{type(exc).__name__}: {exc}")
        return _Outcome()

    async def _finish(self, claimed: _Claimed, outcome: _Outcome) -> None:
        async with self._sessions() as session, session.begin():
            job = await session.get(Job, claimed.id)
            if job is None or not _still_ours(job, claimed):
                log.warning(
                    "jobs: %s %s was taken over by another worker", claimed.kind, claimed.id
                )
                return
            now = utcnow()
            job.locked_until = None
            if outcome.error is None:
                job.status, job.finished_at, job.last_error = JobStatus.DONE, now, None
                return
            job.last_error = outcome.error[:2000]
            if not outcome.counts:
                job.attempts -= 1
            if outcome.counts and job.attempts >= job.max_attempts:
                job.status, job.finished_at = JobStatus.DEAD, now
                return
            job.status = JobStatus.PENDING
            job.run_at = now + (outcome.delay or backoff(max(job.attempts, 1)))


def _still_ours(job: Job, claimed: _Claimed) -> bool:
    return job.status == JobStatus.RUNNING and job.attempts == claimed.attempts


@contextlib.contextmanager
def _in_attempt(attempt: Attempt) -> Iterator[None]:
    token = _attempt.set(attempt)
    try:
        yield
    finally:
        _attempt.reset(token)
