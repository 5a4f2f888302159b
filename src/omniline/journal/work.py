"""A unit of work. Services add changes, events, audit entries and jobs; the caller commits.

At commit the journal rows are numbered under a lock on the tenant's journal head, so that
event and audit sequence numbers follow commit order; subscribers hear of the events only
after the commit succeeded.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.journal.actor import SYSTEM, Actor
from omniline.journal.hashing import AuditKey, entry_hash
from omniline.kit.clock import utcnow
from omniline.kit.ids import new_id
from omniline.models import Base, Event, Job, JobStatus, JournalHead

SYSTEM_STREAM = "system"
EVENTS = Base.metadata.tables["events"]
AUDIT_LOG = Base.metadata.tables["audit_log"]

AfterCommit = Callable[[Sequence[Event], bool], Awaitable[None]]


def jsonable(value: Any) -> Any:
    """Turn ids, datetimes and containers into plain JSON values."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


@dataclass(slots=True)
class _PendingEvent:
    tenant_id: uuid.UUID
    kind: str
    data: dict[str, Any]
    customer_id: uuid.UUID | None
    case_id: uuid.UUID | None
    interaction_id: uuid.UUID | None
    occurred_at: datetime
    actor: Actor


@dataclass(slots=True)
class _PendingAudit:
    stream: str
    action: str
    object_type: str
    object_id: str | None
    data: dict[str, Any]
    at: datetime
    actor: Actor


@dataclass
class Work:
    """One transaction; entries are attributed to the actor at the time they are recorded.

    Audit entries are signed with `audit_key` (`Runtime.work` passes the installation's);
    a unit of work without one writes unkeyed entries, which `omniline audit verify` reports.
    """

    session: AsyncSession
    actor: Actor = SYSTEM
    after_commit: AfterCommit | None = None
    audit_key: AuditKey | None = None
    _events: list[_PendingEvent] = field(default_factory=list)
    _audits: list[_PendingAudit] = field(default_factory=list)
    _jobs: int = 0

    def emit(
        self,
        tenant_id: uuid.UUID,
        kind: str,
        data: dict[str, Any] | None = None,
        *,
        customer_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        interaction_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        """Record an event, written and numbered at commit."""
        self._events.append(
            _PendingEvent(
                tenant_id,
                kind,
                jsonable(data or {}),
                customer_id,
                case_id,
                interaction_id,
                occurred_at or utcnow(),
                self.actor,
            )
        )

    def audit(
        self,
        tenant_id: uuid.UUID | None,
        action: str,
        object_type: str,
        object_id: uuid.UUID | str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record an audit entry for the acting person or system, chained at commit."""
        stream = str(tenant_id) if tenant_id else SYSTEM_STREAM
        oid = str(object_id) if object_id is not None else None
        self._audits.append(
            _PendingAudit(
                stream, action, object_type, oid, jsonable(data or {}), utcnow(), self.actor
            )
        )

    def enqueue(self, kind: str, payload: dict[str, Any], *, delay: timedelta | None = None) -> Job:
        """Add a durable job that runs after this transaction commits."""
        now = utcnow()
        job = Job(
            id=new_id(),
            kind=kind,
            payload=jsonable(payload),
            status=JobStatus.PENDING,
            run_at=now + delay if delay else now,
            attempts=0,
            max_attempts=10,
            created_at=now,
        )
        self.session.add(job)
        self._jobs += 1
        return job

    async def commit(self) -> list[Event]:
        """Write the journal, commit, then tell subscribers; returns the committed events."""
        events = await self._write_journal()
        await self.session.commit()
        had_jobs = self._jobs > 0
        self._events, self._audits, self._jobs = [], [], 0
        if self.after_commit is not None and (events or had_jobs):
            await self.after_commit(events, had_jobs)
        return events

    async def rollback(self) -> None:
        """Drop everything pending."""
        await self.session.rollback()
        self._events, self._audits, self._jobs = [], [], 0

    async def _write_journal(self) -> list[Event]:
        streams = {str(e.tenant_id) for e in self._events} | {a.stream for a in self._audits}
        events: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for stream in sorted(streams):  # one lock order for every transaction: no deadlock
            head = await self._lock_head(stream)
            events.extend(self._number_events(head, stream))
            audits.extend(self._chain_audits(head, stream))
        # journal rows are many and plain: one Core executemany each, not the unit of work
        if events:
            await self.session.execute(insert(EVENTS), events)
        if audits:
            await self.session.execute(insert(AUDIT_LOG), audits)
        return [Event(**row) for row in events]

    async def _lock_head(self, stream: str) -> JournalHead:
        head = await self.session.scalar(
            select(JournalHead).where(JournalHead.stream == stream).with_for_update()
        )
        if head is not None:
            return head
        dialect = self.session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"stream": stream, "event_seq": 0, "audit_seq": 0, "audit_hash": ""}
        await self.session.execute(upsert(JournalHead).values(**values).on_conflict_do_nothing())
        head = await self.session.scalar(
            select(JournalHead).where(JournalHead.stream == stream).with_for_update()
        )
        assert head is not None
        return head

    def _number_events(self, head: JournalHead, stream: str) -> list[dict[str, Any]]:
        rows = []
        for pending in (e for e in self._events if str(e.tenant_id) == stream):
            head.event_seq += 1
            rows.append(
                {
                    "tenant_id": pending.tenant_id,
                    "seq": head.event_seq,
                    "kind": pending.kind,
                    "occurred_at": pending.occurred_at,
                    "actor_id": pending.actor.id,
                    "customer_id": pending.customer_id,
                    "case_id": pending.case_id,
                    "interaction_id": pending.interaction_id,
                    "data": pending.data,
                }
            )
        return rows

    def _chain_audits(self, head: JournalHead, stream: str) -> list[dict[str, Any]]:
        rows = []
        for pending in (a for a in self._audits if a.stream == stream):
            actor = pending.actor
            head.audit_seq += 1
            fields: dict[str, Any] = {
                "stream": stream,
                "seq": head.audit_seq,
                "at": pending.at,
                "actor_type": str(actor.type),
                "actor_id": str(actor.id) if actor.id else None,
                "ip": actor.ip,
                "action": pending.action,
                "object_type": pending.object_type,
                "object_id": pending.object_id,
                "data": pending.data,
                "prev_hash": head.audit_hash,
            }
            digest = entry_hash(self.audit_key, **fields)
            rows.append({**fields, "hash": digest})
            head.audit_hash = digest
        return rows
