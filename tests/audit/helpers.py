"""Reading and tampering with the audit log, as the tests of audit do."""

import asyncio
from pathlib import Path

from sqlalchemy import select, text, update
from typer.testing import CliRunner

from omniline.audit.checkpoint import Checkpoint
from omniline.audit.verify import VerifyReport, row_hash, verify_all
from omniline.cli.main import app
from omniline.journal.hashing import AuditKey
from omniline.models import AuditEntry, JournalHead
from omniline.runtime import Runtime


async def verify(runtime: Runtime, checkpoint: Checkpoint | None = None) -> VerifyReport:
    async with runtime.sessions() as session:
        return await verify_all(session, runtime.audit_key, checkpoint=checkpoint)


async def tamper(runtime: Runtime, sql: str, **params: object) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(text(sql), params)


async def omniline(db_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    """Run an `omniline` command on the test's database (in a thread: it runs its own loop)."""
    env = {"OMNILINE_DATABASE_URL": db_url, "OMNILINE_DATA_DIR": str(data_dir)}
    env.update(OMNILINE_DEV="1", OMNILINE_REDIS_URL="", OMNILINE_SECRET_KEY=None)
    env.update(OMNILINE_AUDIT_KEY=None)
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)
    return result.exit_code, result.output


async def rewrite_from(
    runtime: Runtime, stream: str, seq: int, key: AuditKey | None, *, until: int | None = None
) -> None:
    """A forger's edit: change entry `seq`, re-hash it and every entry after it (up to `until`),
    move the head."""
    async with runtime.sessions() as session, session.begin():
        query = select(AuditEntry).where(AuditEntry.stream == stream)
        if until is not None:
            query = query.where(AuditEntry.seq <= until)
        rows = await session.scalars(query.order_by(AuditEntry.seq))
        prev = ""
        for row in rows:
            if row.seq == seq:
                row.data = {**row.data, "note": "nothing to see"}
            if row.seq >= seq:
                row.prev_hash = prev
                row.hash = row_hash(row, key)
            prev = row.hash
        if until is not None:
            return
        await session.execute(
            update(JournalHead).where(JournalHead.stream == stream).values(audit_hash=prev)
        )
