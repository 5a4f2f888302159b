"""Chains written before the audit key existed: migration 0013 seals them with the key, and
the unkeyed beginning counts only while that seal vouches for it."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import select

from omniline.journal.hashing import SEAL_ACTION
from omniline.journal.work import Work
from omniline.kit.ids import new_id
from omniline.migrate import alembic_config, upgrade_async
from omniline.models import AuditEntry
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from tests.audit.helpers import rewrite_from, tamper, verify


@pytest.fixture(autouse=True)
async def _back_at_head(runtime: Runtime, db_url: str) -> AsyncIterator[None]:
    """These tests take the database back to 0012; on PostgreSQL it is the session's shared
    database, so it goes back to the head (keyed) whatever the test did, or every later test
    of this worker would find tables missing (desks, ...)."""
    yield
    await upgrade_async(db_url, audit_key=runtime.audit_key)


async def unkeyed_chain(runtime: Runtime, db_url: str) -> str:
    """The database as revision 0012 left it: a tenant's chain of three unkeyed entries."""
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0012")
    work = Work(runtime.sessions())  # no key, as every unit of work before 0013
    tenant = await create_tenant(work, slug="old", name="Old")
    work.audit(tenant.id, "case.updated", "case", new_id(), {"n": 1})
    work.audit(tenant.id, "case.updated", "case", new_id(), {"n": 2})
    await work.commit()
    await work.session.close()
    return str(tenant.id)


async def test_the_upgrade_seals_unkeyed_chains_and_they_verify(
    runtime: Runtime, db_url: str
) -> None:
    stream = await unkeyed_chain(runtime, db_url)
    assert len((await verify(runtime)).problems) == 2  # both chains: unkeyed, no seal
    await upgrade_async(db_url, audit_key=runtime.audit_key)
    work = runtime.work()
    work.audit(new_id(), "tenant.created", "tenant")  # keyed from its first entry
    work.audit(stream, "case.updated", "case")  # keyed after the seal
    await work.commit()
    await work.session.close()
    assert (await verify(runtime)).problems == []
    async with runtime.sessions() as session:
        seals = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == SEAL_ACTION))
        )
    assert sorted((s.stream, s.seq, s.data["unkeyed_entries"]) for s in seals) == sorted(
        [(stream, 4, 3), ("system", 2, 1)]
    )


async def test_a_rewritten_unkeyed_beginning_breaks_the_seal(runtime: Runtime, db_url: str) -> None:
    stream = await unkeyed_chain(runtime, db_url)
    await upgrade_async(db_url, audit_key=runtime.audit_key)
    # the forger edits an unkeyed entry and re-hashes the unkeyed ones by the rule they know
    await rewrite_from(runtime, stream, 2, None, until=3)
    problems = (await verify(runtime)).problems
    assert problems == [f"chain {stream} entry 4: does not follow the entry before it"]


async def test_removing_the_seal_leaves_the_unkeyed_entries_unvouched(
    runtime: Runtime, db_url: str
) -> None:
    stream = await unkeyed_chain(runtime, db_url)
    await upgrade_async(db_url, audit_key=runtime.audit_key)
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq = 4", s=stream)
    await tamper(
        runtime,
        "UPDATE journal_heads SET audit_seq = 3, audit_hash = (SELECT hash FROM audit_log"
        " WHERE stream = :s AND seq = 3) WHERE stream = :s",
        s=stream,
    )
    assert (await verify(runtime)).problems == [
        f"chain {stream}: entries 1..3 are not signed with this installation's audit key"
        f" ({runtime.audit_key.id}) and no seal vouches for them (they were rewritten, or"
        " written without the key)"
    ]


async def test_the_upgrade_needs_the_key_to_seal(runtime: Runtime, db_url: str) -> None:
    await unkeyed_chain(runtime, db_url)
    with pytest.raises(RuntimeError, match="run it with `omniline migrate`"):
        await upgrade_async(db_url)
