"""The journal numbers events and audit entries in commit order, gapless, per tenant."""

import asyncio

from sqlalchemy import func, select

from omniline.audit.verify import verify_all
from omniline.models import AuditEntry, Event, Job
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant


async def test_events_are_numbered_per_tenant_from_one(runtime: Runtime) -> None:
    work = runtime.work()
    a = await create_tenant(work, slug="a", name="A")
    b = await create_tenant(work, slug="b", name="B")
    await work.commit()
    for tenant in (a, b, a):
        work.emit(tenant.id, "test.happened", {"n": 1})
    events = await work.commit()
    await work.session.close()
    assert [(e.tenant_id, e.seq) for e in events] == [(a.id, 1), (a.id, 2), (b.id, 1)]


async def test_rolled_back_work_leaves_no_event_audit_or_job(runtime: Runtime) -> None:
    work = runtime.work()
    tenant = await create_tenant(work, slug="a", name="A")
    await work.commit()
    work.emit(tenant.id, "test.happened")
    work.audit(tenant.id, "test.done", "thing", "1")
    work.enqueue("test.job", {})
    await work.rollback()
    events = await work.commit()
    assert events == []
    assert await work.session.scalar(select(func.count()).select_from(Job)) == 0
    assert await work.session.scalar(select(func.count()).select_from(Event)) == 0
    await work.session.close()


async def test_concurrent_commits_get_gapless_unique_numbers(runtime: Runtime) -> None:
    setup = runtime.work()
    tenant = await create_tenant(setup, slug="busy", name="Busy")
    await setup.commit()
    await setup.session.close()

    async def one(i: int) -> None:
        work = runtime.work()
        try:
            work.emit(tenant.id, "test.happened", {"i": i})
            work.audit(tenant.id, "test.done", "thing", str(i))
            await work.commit()
        finally:
            await work.session.close()

    await asyncio.gather(*(one(i) for i in range(40)))
    async with runtime.sessions() as session:
        seqs = list(await session.scalars(select(Event.seq).where(Event.tenant_id == tenant.id)))
        audits = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.stream == str(tenant.id))
        )
        report = await verify_all(session, runtime.audit_key)
    assert sorted(seqs) == list(range(1, 41))
    assert audits == 41  # 40 plus the tenant's creation
    assert report.problems == []
