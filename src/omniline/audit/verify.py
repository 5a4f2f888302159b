"""Walk every audit chain and recompute its hashes: edits, deletions and truncation show."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
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
    """Check every chain against its head, including chains whose head is gone.

    Entries are read in batches, each in its own short read transaction, so that a long check
    does not hold SQLite's write lock; entries committed after the check began are left out.
    """
    report = VerifyReport()
    heads = {h.stream: _Head(h.audit_seq, h.audit_hash) for h in await _heads(session)}
    with_entries = set(await session.scalars(select(AuditEntry.stream).distinct()))
    await session.rollback()
    for stream in sorted(with_entries | {s for s, h in heads.items() if h.seq > 0}):
        head = heads.get(stream)
        if head is None:
            report.problems.append(
                f"chain {stream}: has entries but no journal head (the head row was deleted)"
            )
        report.streams += 1
        await _verify_stream(session, stream, head, report, batch)
    return report


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    hash: str


async def _heads(session: AsyncSession) -> list[JournalHead]:
    return list(await session.scalars(select(JournalHead)))


async def _verify_stream(
    session: AsyncSession, stream: str, head: _Head | None, report: VerifyReport, batch: int
) -> None:
    expected_seq, prev = 1, ""
    while True:
        rows = await _batch(session, stream, expected_seq, head, batch)
        for row in rows:
            _check_entry(row, stream, expected_seq, prev, report)
            expected_seq, prev = row.seq + 1, row.hash
            report.checked += 1
        if len(rows) < batch:
            break
    if head is None:
        return
    if expected_seq - 1 != head.seq or prev != head.hash:
        report.problems.append(
            f"chain {stream}: ends at entry {expected_seq - 1} but {head.seq}"
            " were written (entries at the end were deleted or the head was changed)"
        )
    await _check_beyond_head(session, stream, report)


async def _batch(
    session: AsyncSession, stream: str, from_seq: int, head: _Head | None, batch: int
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.stream == stream, AuditEntry.seq >= from_seq)
    if head is not None:
        query = query.where(AuditEntry.seq <= head.seq)
    rows = list(await session.scalars(query.order_by(AuditEntry.seq).limit(batch)))
    session.expunge_all()
    await session.rollback()
    return rows


def _check_entry(
    row: AuditEntry, stream: str, expected_seq: int, prev: str, report: VerifyReport
) -> None:
    where = f"chain {stream} entry {row.seq}"
    if row.seq != expected_seq:
        report.problems.append(f"{where}: entries {expected_seq}..{row.seq - 1} are missing")
    if row.prev_hash != prev:
        report.problems.append(f"{where}: does not follow the entry before it")
    if row_hash(row) != row.hash:
        report.problems.append(f"{where}: content was changed after it was written")


async def _check_beyond_head(session: AsyncSession, stream: str, report: VerifyReport) -> None:
    """Entries numbered past the head's current count were not written by the journal."""
    last = await session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.stream == stream))
    written = await session.scalar(
        select(JournalHead.audit_seq).where(JournalHead.stream == stream)
    )
    await session.rollback()
    if last is not None and written is not None and last > written:
        report.problems.append(
            f"chain {stream}: entries {written + 1}..{last} lie beyond the last written entry"
            " (they were inserted)"
        )


def row_hash(row: AuditEntry) -> str:
    """The hash an audit row should carry, recomputed from its content."""
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
