"""Walk every audit chain and recompute its hashes: edits, deletions and truncation show."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.journal.hashing import entry_hash
from omniline.models import AuditEntry, JournalHead


@dataclass
class VerifyReport:
    checked: int = 0
    streams: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human-readable report."""
        if not self.problems:
            return [f"audit log intact: {self.checked} entries in {self.streams} chains"]
        return [*self.problems, f"audit log NOT intact: {len(self.problems)} problem(s)"]


async def verify_all(session: AsyncSession, batch: int = 5000) -> VerifyReport:
    """Check every chain against its head."""
    report = VerifyReport()
    heads = list(await session.scalars(select(JournalHead).order_by(JournalHead.stream)))
    for head in heads:
        if head.audit_seq == 0:
            continue
        report.streams += 1
        await _verify_stream(session, head, report, batch)
    return report


async def _verify_stream(
    session: AsyncSession, head: JournalHead, report: VerifyReport, batch: int
) -> None:
    expected_seq, prev = 1, ""
    while True:
        rows = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.stream == head.stream, AuditEntry.seq >= expected_seq)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        for row in rows:
            where = f"chain {head.stream} entry {row.seq}"
            if row.seq != expected_seq:
                report.problems.append(
                    f"{where}: entries {expected_seq}..{row.seq - 1} are missing"
                )
            if row.prev_hash != prev:
                report.problems.append(f"{where}: does not follow the entry before it")
            if _recompute(row) != row.hash:
                report.problems.append(f"{where}: content was changed after it was written")
            expected_seq, prev = row.seq + 1, row.hash
            report.checked += 1
        if len(rows) < batch:
            break
    if expected_seq - 1 != head.audit_seq or prev != head.audit_hash:
        report.problems.append(
            f"chain {head.stream}: ends at entry {expected_seq - 1} but {head.audit_seq}"
            " were written (entries at the end were deleted or the head was changed)"
        )


def _recompute(row: AuditEntry) -> str:
    return entry_hash(
        stream=row.stream,
        seq=row.seq,
        at=row.at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        ip=row.ip,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        data=row.data,
        prev_hash=row.prev_hash,
    )
