"""Claims due jobs from the `jobs` table and runs their handlers, with retries and backoff.

PostgreSQL: claims with FOR UPDATE SKIP LOCKED, so many workers share the table safely.
SQLite: one process writes at a time, so a plain claim is already exclusive.
A claimed job is leased (`locked_until`); if its worker dies the lease runs out and another
worker takes it, so handlers must be safe to run twice.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.kit.clock import utcnow
from omniline.models import Job, JobStatus

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
LEASE = timedelta(minutes=5)


class RetryLater(Exception):
    """A handler asks to be run again later without counting it as an error."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 2, 4, 8 ... seconds, at most one hour."""
    return timedelta(seconds=min(2**attempts, 3600))


class Worker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: dict[str, Handler],
        *,
        poll_seconds: float = 1.0,
        batch: int = 20,
    ) -> None:
        self._sessions = sessions
        self._handlers = handlers
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def set_handlers(self, handlers: dict[str, Handler]) -> None:
        """Replace the handlers (wired after construction, as handlers need the runtime parts)."""
        self._handlers = handlers

    def wake(self) -> None:
        """Look for due jobs now (called after a commit that enqueued some)."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._task = asyncio.create_task(self.run_forever())

    async def stop(self) -> None:
        """Stop after the job at hand."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_forever(self) -> None:
        """Run due jobs until cancelled."""
        while True:
            try:
                ran = await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("jobs: the worker loop failed; retrying")
                ran = 0
            if ran == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)

    async def run_due(self) -> int:
        """Claim and run one batch of due jobs; returns how many ran."""
        claimed = await self._claim()
        for job_id, kind, payload in claimed:
            await self._run(job_id, kind, payload)
        return len(claimed)

    async def _claim(self) -> list[tuple[uuid.UUID, str, dict[str, Any]]]:
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
            return [(j.id, j.kind, dict(j.payload)) for j in jobs]

    async def _run(self, job_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(kind)
        error: str | None = None
        retry_only = False
        if handler is None:
            error = f"no handler for job kind '{kind}'"
        else:
            try:
                await handler(payload)
            except RetryLater as exc:
                error, retry_only = str(exc) or "retry later", True
            except Exception as exc:
                log.exception("jobs: %s %s failed", kind, job_id)
                error = f"{type(exc).__name__}: {exc}"
        await self._finish(job_id, error, retry_only)

    async def _finish(self, job_id: uuid.UUID, error: str | None, retry_only: bool) -> None:
        async with self._sessions() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None:
                return
            now = utcnow()
            job.locked_until = None
            if error is None:
                job.status, job.finished_at, job.last_error = JobStatus.DONE, now, None
                return
            job.last_error = error[:2000]
            if retry_only:
                job.attempts -= 1
            if job.attempts >= job.max_attempts:
                job.status, job.finished_at = JobStatus.DEAD, now
            else:
                job.status, job.run_at = JobStatus.PENDING, now + backoff(job.attempts)
