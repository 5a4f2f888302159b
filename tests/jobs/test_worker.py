"""The outbox worker: jobs run once after commit, retry with backoff, die, and survive crashes."""

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from omniline.config import Settings
from omniline.jobs.worker import LEASE, Attempt, RetryLater, Worker, current_attempt
from omniline.kit.db import make_engine, make_sessionmaker
from omniline.models import Job, JobStatus
from omniline.runtime import Runtime
from tests.jobs.helpers import MovableClock, load_job


class Recorder:
    """A handler that remembers its calls and fails as often as told."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.attempts: list[Attempt | None] = []
        self.failures = failures
        self.error = error or RuntimeError("the peer is down")

    async def __call__(self, payload: dict[str, Any]) -> None:
        self.calls.append(payload)
        self.attempts.append(current_attempt())
        if len(self.calls) <= self.failures:
            raise self.error


async def enqueue(runtime: Runtime, kind: str = "test.record", **payload: Any) -> Job:
    work = runtime.work()
    job = work.enqueue(kind, payload)
    await work.commit()
    await work.session.close()
    return job


async def test_a_job_of_a_rolled_back_transaction_never_runs(runtime: Runtime) -> None:
    handler = Recorder()
    worker = Worker(runtime.sessions, {"test.record": handler})
    work = runtime.work()
    work.enqueue("test.record", {"n": 1})
    await work.rollback()
    await work.session.close()

    assert await worker.run_due() == 0
    assert handler.calls == []
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0


async def test_a_committed_job_runs_once(runtime: Runtime) -> None:
    handler = Recorder()
    worker = Worker(runtime.sessions, {"test.record": handler})
    job = await enqueue(runtime, n=1)

    assert await worker.run_due() == 1
    assert await worker.run_due() == 0
    assert handler.calls == [{"n": 1}]
    done = await load_job(runtime.sessions, job.id)
    assert (done.status, done.attempts, done.locked_until) == (JobStatus.DONE, 1, None)
    assert done.finished_at is not None


async def test_a_failing_job_backs_off_and_dies_with_its_last_error(
    runtime: Runtime, clock: MovableClock
) -> None:
    handler = Recorder(failures=99)
    worker = Worker(runtime.sessions, {"test.record": handler})
    work = runtime.work()
    job = work.enqueue("test.record", {"n": 1})
    job.max_attempts = 3
    await work.commit()
    await work.session.close()

    assert await worker.run_due() == 1
    first = await load_job(runtime.sessions, job.id)
    assert (first.status, first.attempts) == (JobStatus.PENDING, 1)
    assert first.run_at == clock.now + timedelta(seconds=2)
    assert first.last_error == "RuntimeError: the peer is down"

    clock.advance(seconds=1)
    assert await worker.run_due() == 0  # not due yet
    clock.advance(seconds=1)
    assert await worker.run_due() == 1
    second = await load_job(runtime.sessions, job.id)
    assert second.run_at == clock.now + timedelta(seconds=4)

    clock.advance(seconds=4)
    assert await worker.run_due() == 1
    dead = await load_job(runtime.sessions, job.id)
    assert (dead.status, dead.attempts) == (JobStatus.DEAD, 3)
    assert dead.last_error == "RuntimeError: the peer is down"
    assert dead.finished_at == clock.now

    clock.advance(hours=2)
    assert await worker.run_due() == 0
    assert [a.number for a in handler.attempts if a] == [1, 2, 3]
    assert [a.last for a in handler.attempts if a] == [False, False, True]


async def test_retry_later_waits_without_using_up_attempts(
    runtime: Runtime, clock: MovableClock
) -> None:
    handler = Recorder(
        failures=5, error=RetryLater("the peer asks to wait", after=timedelta(seconds=30))
    )
    worker = Worker(runtime.sessions, {"test.record": handler})
    work = runtime.work()
    job = work.enqueue("test.record", {})
    job.max_attempts = 2
    await work.commit()
    await work.session.close()

    for _ in range(5):
        assert await worker.run_due() == 1
        waiting = await load_job(runtime.sessions, job.id)
        assert (waiting.status, waiting.attempts) == (JobStatus.PENDING, 0)
        assert waiting.last_error == "the peer asks to wait"
        assert waiting.run_at == clock.now + timedelta(seconds=30)
        clock.advance(seconds=30)
    assert await worker.run_due() == 1
    assert (await load_job(runtime.sessions, job.id)).status == JobStatus.DONE


async def test_a_job_of_an_unknown_kind_is_kept_with_a_reason(runtime: Runtime) -> None:
    worker = Worker(runtime.sessions, {})
    job = await enqueue(runtime, "nobody.knows")
    assert await worker.run_due() == 1
    kept = await load_job(runtime.sessions, job.id)
    assert kept.status == JobStatus.PENDING
    assert kept.last_error == "no handler for job kind 'nobody.knows'"


async def test_a_handler_that_hangs_is_cut_off_and_retried(runtime: Runtime) -> None:
    async def hang(payload: dict[str, Any]) -> None:
        await asyncio.sleep(30)

    worker = Worker(runtime.sessions, {"test.record": hang}, timeout=timedelta(seconds=0.05))
    job = await enqueue(runtime)
    assert await worker.run_due() == 1
    kept = await load_job(runtime.sessions, job.id)
    assert (kept.status, kept.last_error) == (JobStatus.PENDING, "timed out after 0.05 seconds")


async def test_the_job_of_a_dead_worker_is_taken_again_when_its_lease_runs_out(
    runtime: Runtime, clock: MovableClock
) -> None:
    handler = Recorder()
    worker = Worker(runtime.sessions, {"test.record": handler})
    job = await enqueue(runtime, n=7)
    async with runtime.sessions() as session, session.begin():
        # what a claim writes, by a worker that then died
        await session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(status=JobStatus.RUNNING, attempts=1, locked_until=clock.now + LEASE)
        )

    assert await worker.run_due() == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await worker.run_due() == 1
    done = await load_job(runtime.sessions, job.id)
    assert (done.status, done.attempts) == (JobStatus.DONE, 2)
    assert handler.calls == [{"n": 7}]


async def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_result(
    runtime: Runtime, clock: MovableClock
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    calls = 0

    async def slow_first(payload: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            entered.set()
            await release.wait()
            raise RuntimeError("the first run failed late")

    job = await enqueue(runtime)
    stalled = Worker(runtime.sessions, {"test.record": slow_first})
    first = asyncio.create_task(stalled.run_due())
    await asyncio.wait_for(entered.wait(), 5)

    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await Worker(runtime.sessions, {"test.record": slow_first}).run_due() == 1
    release.set()
    assert await first == 1

    done = await load_job(runtime.sessions, job.id)
    assert (done.status, done.attempts, done.last_error) == (JobStatus.DONE, 2, None)


async def test_the_in_process_worker_wakes_on_commit_not_on_its_poll(
    db_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=db_url,
        data_dir=tmp_path,
        dev=True,
        worker_in_process=False,
        redis_url=None,
        worker_poll_seconds=60,
    )
    runtime = Runtime.build(settings)
    ran = asyncio.Event()

    async def ping(payload: dict[str, Any]) -> None:
        ran.set()

    runtime.worker.set_handlers({"test.ping": ping})
    await runtime.start(worker=True)
    try:
        await asyncio.sleep(0.3)  # the worker found nothing and now sleeps for its poll
        loop = asyncio.get_running_loop()
        started = loop.time()
        await enqueue(runtime, "test.ping")
        await asyncio.wait_for(ran.wait(), 10)
        assert loop.time() - started < 10
    finally:
        await runtime.stop()


async def test_stopping_lets_the_job_at_hand_finish(runtime: Runtime) -> None:
    entered = asyncio.Event()

    async def slow(payload: dict[str, Any]) -> None:
        entered.set()
        await asyncio.sleep(0.2)

    worker = Worker(runtime.sessions, {"test.record": slow}, poll_seconds=60)
    job = await enqueue(runtime)
    worker.start()
    await asyncio.wait_for(entered.wait(), 10)
    await worker.stop()
    assert (await load_job(runtime.sessions, job.id)).status == JobStatus.DONE


async def test_two_workers_on_postgresql_never_run_a_job_twice(
    runtime: Runtime, db_url: str
) -> None:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED sharing is a PostgreSQL matter; SQLite has one writer")
    work = runtime.work()
    ids = [str(work.enqueue("test.count", {"i": i}).id) for i in range(200)]
    await work.commit()
    await work.session.close()

    runs: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()

    def counting(name: str) -> Any:
        async def handle(payload: dict[str, Any]) -> None:
            await asyncio.sleep(0)
            runs[str(payload["i"])] += 1
            by_worker[name] += 1

        return handle

    engines = [make_engine(db_url), make_engine(db_url)]
    workers = [
        Worker(make_sessionmaker(engine), {"test.count": counting(name)}, batch=15)
        for engine, name in zip(engines, ("a", "b"), strict=True)
    ]

    async def drain(worker: Worker) -> None:
        while await worker.run_due():
            pass

    try:
        await asyncio.gather(*(drain(w) for w in workers))
    finally:
        for engine in engines:
            await engine.dispose()

    assert len(runs) == 200
    assert set(runs.values()) == {1}
    assert by_worker["a"] > 0
    assert by_worker["b"] > 0
    async with runtime.sessions() as session:
        statuses = await session.scalars(
            select(Job.status).where(Job.id.in_([uuid.UUID(i) for i in ids]))
        )
        assert set(statuses) == {JobStatus.DONE}
