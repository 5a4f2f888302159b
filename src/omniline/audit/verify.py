"""Walk every audit chain and check its signatures: edits, deletions and truncation show.

A chain is an optional unkeyed beginning (entries written before the installation had an audit
key, plain SHA-256) followed by entries signed with the key. The unkeyed beginning counts only
when a keyed seal entry (`SEAL_ACTION`, written by migration 0013) follows it: the seal signs
the last unkeyed hash, so the entries before it cannot change either. Without the key nobody
can write a keyed entry, so nobody can rewrite a chain and have it verify.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.audit import repository
from omniline.audit.checkpoint import ChainHead, Checkpoint
from omniline.journal.hashing import SEAL_ACTION, AuditKey, entry_hash
from omniline.kit.clock import utcnow
from omniline.models import AuditEntry, JournalHead


@dataclass
class VerifyReport:
    key_id: str = ""
    checked: int = 0
    streams: int = 0
    failed_signatures: int = 0
    problems: list[str] = field(default_factory=list)
    # each chain's last checked entry (seq, hash): what a checkpoint records
    ends: dict[str, tuple[int, str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A human-readable report."""
        if not self.problems:
            return [f"audit log intact: {self.checked} entries in {self.streams} chains"]
        hint = []
        if self.failed_signatures == self.checked > 0:
            hint = [
                f"no entry matches this installation's audit key ({self.key_id}): is"
                " OMNILINE_AUDIT_KEY (or OMNILINE_SECRET_KEY) the one the log was written with?"
            ]
        return [*self.problems, *hint, f"audit log NOT intact: {len(self.problems)} problem(s)"]


async def verify_all(
    session: AsyncSession, key: AuditKey, *, checkpoint: Checkpoint | None = None, batch: int = 5000
) -> VerifyReport:
    """Check every chain against its head, including chains whose head is gone, and against
    the checkpoint if one is given.

    Entries are read in batches, each in its own short read transaction, so that a long check
    does not hold SQLite's write lock; entries committed after the check began are left out.
    """
    report = VerifyReport(key_id=key.id)
    heads = {h.stream: _Head(h.audit_seq, h.audit_hash) for h in await _heads(session)}
    with_entries = set(await session.scalars(select(AuditEntry.stream).distinct()))
    await session.rollback()
    saw = {c.stream: c for c in checkpoint.chains} if checkpoint else {}
    for stream in sorted(with_entries | {s for s, h in heads.items() if h.seq > 0}):
        head = heads.get(stream)
        if head is None:
            report.problems.append(
                f"chain {stream}: has entries but no journal head (the head row was deleted)"
            )
        report.streams += 1
        walk = _Walk(key, stream, saw.get(stream), checkpoint.label() if checkpoint else "")
        await _verify_stream(session, walk, head, report, batch)
    if checkpoint is not None:
        _check_none_deleted(checkpoint, set(report.ends), report)
    return report


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    hash: str


@dataclass(slots=True)
class _Walk:
    """Where the walk of one chain is, and what it must meet."""

    key: AuditKey
    stream: str
    saw: ChainHead | None  # the chain's head in the checkpoint
    label: str  # how reports name the checkpoint
    expected_seq: int = 1
    prev: str = ""
    keyed: bool = False
    unkeyed: int = 0  # unkeyed entries not yet vouched for by a seal


async def _heads(session: AsyncSession) -> list[JournalHead]:
    return list(await session.scalars(select(JournalHead)))


async def _verify_stream(
    session: AsyncSession, walk: _Walk, head: _Head | None, report: VerifyReport, batch: int
) -> None:
    while True:
        rows = await _batch(session, walk.stream, walk.expected_seq, head, batch)
        for row in rows:
            _check_entry(row, walk, report)
            walk.expected_seq, walk.prev = row.seq + 1, row.hash
            report.checked += 1
        if len(rows) < batch:
            break
    last = walk.expected_seq - 1
    report.ends[walk.stream] = (last, walk.prev)
    if walk.unkeyed:
        report.problems.append(
            f"chain {walk.stream}: entries {last - walk.unkeyed + 1}..{last} are not signed"
            f" with this installation's audit key ({walk.key.id}) and no seal vouches for them"
            " (they were rewritten, or written without the key)"
        )
    if walk.saw is not None and last < walk.saw.seq:
        report.problems.append(
            f"chain {walk.stream}: ends at entry {last} but {walk.label} saw"
            f" {walk.saw.seq} (entries at the end were deleted)"
        )
    if head is None:
        return
    if last != head.seq or walk.prev != head.hash:
        report.problems.append(
            f"chain {walk.stream}: ends at entry {last} but {head.seq}"
            " were written (entries at the end were deleted or the head was changed)"
        )
    await _check_beyond_head(session, walk.stream, report)


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


def _check_entry(row: AuditEntry, walk: _Walk, report: VerifyReport) -> None:
    where = f"chain {walk.stream} entry {row.seq}"
    if row.seq != walk.expected_seq:
        report.problems.append(f"{where}: entries {walk.expected_seq}..{row.seq - 1} are missing")
    if row.prev_hash != walk.prev:
        report.problems.append(f"{where}: does not follow the entry before it")
    _check_signature(row, walk, report, where)
    if walk.saw is not None and row.seq == walk.saw.seq and row.hash != walk.saw.hash:
        report.problems.append(f"{where}: is not the entry {walk.label} saw (it was rewritten)")


def _check_signature(row: AuditEntry, walk: _Walk, report: VerifyReport, where: str) -> None:
    """Keyed entries need the key; unkeyed ones count only until a keyed seal follows them."""
    if row_hash(row, walk.key) == row.hash:
        if not walk.keyed and walk.unkeyed and row.action != SEAL_ACTION:
            report.problems.append(
                f"{where}: entries {row.seq - walk.unkeyed}..{row.seq - 1} before it are not"
                " signed with the audit key and no seal vouches for them (they were rewritten)"
            )
        walk.keyed, walk.unkeyed = True, 0
    elif not walk.keyed and row_hash(row, None) == row.hash:
        walk.unkeyed += 1
    else:
        report.failed_signatures += 1
        report.problems.append(f"{where}: content was changed after it was written")


def _check_none_deleted(checkpoint: Checkpoint, walked: set[str], report: VerifyReport) -> None:
    for chain in checkpoint.chains:
        if chain.stream not in walked:
            name = f" (tenant {chain.tenant})" if chain.tenant else ""
            report.problems.append(
                f"chain {chain.stream}{name}: is gone, but {checkpoint.label()} saw"
                f" {chain.seq} entries (the chain was deleted)"
            )


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


def row_hash(row: AuditEntry, key: AuditKey | None) -> str:
    """The hash an audit row should carry, recomputed from its content (unkeyed: None)."""
    return entry_hash(
        key,
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


async def take_checkpoint(
    session: AsyncSession, key: AuditKey
) -> tuple[Checkpoint | None, VerifyReport]:
    """Every chain's head, signed, if the whole log verifies (a checkpoint must not vouch for a
    log that was already tampered with); else None and the report that says why."""
    report = await verify_all(session, key)
    if report.problems:
        return None, report
    slugs = await repository.tenant_slugs(session)
    await session.rollback()
    chains = tuple(
        ChainHead(stream, slugs.get(stream), seq, digest)
        for stream, (seq, digest) in sorted(report.ends.items())
        if seq > 0
    )
    return Checkpoint(utcnow(), key.id, chains), report
