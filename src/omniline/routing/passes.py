"""A routing pass: under the tenant's routing lock, act on what is due, then assign.

One pass, in one transaction:
0. desks silent for longer than the tenant's desk timeout are forgotten, and agents left
   with no live desk go away: what was given to them and never opened goes back to its
   queue at its place (`presence.py`);
1. offers nobody answered in time go back to their queue at their original place, and the
   agent who let it ring becomes `not_responding`;
2. timed wrap-ups that ran out end by themselves, which frees the agent's capacity;
3. new inbound contacts are taken in: queue, business hours, queue size, priority boosts,
   the preferred agent, the written-channel response clock (a due callback is put in its
   queue by the callbacks domain, through the routing service);
4. contacts that waited longer than their queue allows overflow; response clocks near their
   deadline escalate (priority raised, supervisors told) and past it are marked breached;
5. the engine assigns waiting contacts to available agents whose desk is live, and each
   assignment becomes an offer (or, for auto-accept channels, a contact in hand); a contact
   held for its preferred agent (`preferred_until`: a callback its agent will make
   themselves) goes to no one else until then;
6. the next moment something becomes due is written as a `routing.tick` job.

Status changes are conditional updates (`... WHERE status = 'queued'`), so a contact that
ended meanwhile in another transaction is never brought back to life.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import InvalidInput
from omniline.models import (
    OPEN_INTERACTION_STATUSES,
    Agent,
    AgentState,
    Base,
    Case,
    Interaction,
    InteractionStatus,
    Queue,
    QueueAction,
    RoutingProfile,
    Tenant,
)
from omniline.routing import calendar, engine, presence
from omniline.routing import repository as repo
from omniline.routing.steps import (
    emit_step,
    requeue,
    set_agent_state,
    set_committed,
    transition,
)
from omniline.routing.table import RoutingTable
from omniline.tenants.service import tenant_setting, zone

log = logging.getLogger(__name__)
S = InteractionStatus
INTERACTIONS = Base.metadata.tables["interactions"]
OPEN_STATUSES = tuple(OPEN_INTERACTION_STATUSES)
# channels where the customer waits on the line; the others are written and get SLA clocks
REALTIME_CHANNELS = frozenset({"voice", "video", "chat", "webchat"})
ADMIT_BATCH = 5000
REPEAT_WINDOW = timedelta(hours=24)  # a contact within this time of another is a repeat
TICK_JOB = "routing.tick"


@dataclass
class PassResult:
    offered: int = 0
    requeued: int = 0
    admitted: int = 0
    next_due: datetime | None = None
    offers: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


@dataclass
class _Config:
    tenant: Tenant
    queues: dict[uuid.UUID, Queue]
    by_name: dict[str, Queue]
    profiles: dict[uuid.UUID, RoutingProfile]
    _open: dict[uuid.UUID, bool] = field(default_factory=dict)

    _calendars: dict[uuid.UUID, calendar.Calendar] = field(default_factory=dict)

    def calendar(self, queue: Queue) -> calendar.Calendar:
        """The queue's business hours (parsed once per pass)."""
        if queue.id not in self._calendars:
            self._calendars[queue.id] = queue_calendar(self.tenant, queue)
        return self._calendars[queue.id]

    def is_open(self, queue: Queue, now: datetime) -> bool:
        """Whether the queue's hours are open now (worked out once per pass)."""
        if queue.id not in self._open:
            self._open[queue.id] = calendar.is_open(self.calendar(queue), zone(self.tenant), now)
        return self._open[queue.id]

    def queue_for(self, row: Interaction, reasons: Sequence[str] = ()) -> Queue | None:
        """The queue a contact goes to: the one it names; else one serving its channel and
        its case's reason (the nearest of the reason and its parents); else the first
        serving its channel.

        A queue switched off takes no new contacts; those it holds are still served.
        """
        named = self.queues.get(row.queue_id) if row.queue_id is not None else None
        named = named or (self.by_name.get(row.queue) if row.queue else None)
        if named is not None and named.active:
            return named
        serving = [q for q in self.queues.values() if q.active and row.channel in q.channels]
        for code in reasons:
            fitting = [q for q in serving if code in (q.reasons or ())]
            if fitting:
                return min(fitting, key=lambda q: (-q.priority, q.name))
        return min(serving, key=lambda q: (-q.priority, q.name)) if serving else None

    def unrouted_reason(self, row: Interaction) -> str:
        """Why `queue_for` finds no queue for a contact, in words a supervisor acts on."""
        off = sorted(q.name for q in self.queues.values() if row.channel in q.channels)
        if off:
            return f"the queues of channel '{row.channel}' are switched off: {', '.join(off)}"
        return f"no queue serves channel '{row.channel}'"


def queue_calendar(tenant: Tenant, queue: Queue) -> calendar.Calendar:
    """The queue's hours (its own, or the tenant's). Calendars are checked when they are
    saved; one that is not valid (written around the API) counts as always open, so that
    routing goes on, and is logged."""
    doc = queue.calendar if queue.calendar is not None else tenant.business_calendar
    try:
        return calendar.parse_calendar(doc or {})
    except InvalidInput as exc:
        log.error("routing: queue %s has a calendar that is not valid: %s", queue.id, exc)
        return calendar.ALWAYS_OPEN


def is_written(channel: str) -> bool:
    return channel not in REALTIME_CHANNELS


async def run_pass(work: Work, tenant: Tenant, now: datetime | None = None) -> PassResult:
    """One routing pass for a tenant; the caller commits."""
    now = now or utcnow()
    session = work.session
    result = PassResult()
    if not await repo.has_queues(session, tenant.id):  # routing is not set up: nothing to do
        return result
    head = await repo.lock_head(session, tenant.id)
    head.passes += 1
    queues = await repo.queues(session, tenant.id)
    config = _Config(
        tenant,
        {q.id: q for q in queues},
        {q.name: q for q in queues},
        {p.id: p for p in await repo.profiles(session, tenant.id)},
    )
    desks = await presence.expire_desks(work, tenant, now)
    await _expire_offers(work, config, now, result)
    await _end_wrap_ups(work, config, now)
    await _admit(work, config, now, result)
    waiting = await repo.waiting(session, tenant.id)
    waiting = await _overflow(work, config, waiting, now)
    due = await _response_clocks(work, config, now)
    await _case_deadlines(session, tenant.id)
    await _assign(work, config, waiting, desks.live, now, result)
    result.next_due = _earliest(
        [
            due,
            await repo.next_timer(session, tenant.id),
            _next_waiting_change(config, waiting, now),
            desks.next_expiry,
        ]
    )
    if result.next_due is not None and (
        head.tick_at is None or head.tick_at <= now or result.next_due < head.tick_at
    ):
        head.tick_at = result.next_due
        delay = max(result.next_due - now, timedelta(0))
        work.enqueue(TICK_JOB, {"tenant_id": tenant.id}, delay=delay)
    return result


def _earliest(times: list[datetime | None]) -> datetime | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None


async def _transition_many(
    session: AsyncSession,
    source: InteractionStatus,
    items: list[tuple[Interaction, dict[str, Any]]],
) -> list[Interaction]:
    """`transition` for many contacts in one statement; returns the ones that changed.

    The values of all items have the same keys. SQLite holds the database's one write lock
    for the whole pass, so every row read is still as read; elsewhere the rows are read back
    to see which updates found their contact still in a source status.
    """
    if not items:
        return []
    table = INTERACTIONS
    keys = sorted(items[0][1])
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.status == source)
        .values({key: bindparam(key) for key in keys})
    )
    await session.execute(statement, [{"_id": row.id, **values} for row, values in items])
    changed = [row for row, _ in items]
    if session.get_bind().dialect.name != "sqlite":
        columns = [table.c.id, *(table.c[key] for key in keys)]
        found = {
            got[0]: dict(zip(keys, got[1:], strict=True))
            for got in await session.execute(
                select(*columns).where(table.c.id.in_([row.id for row in changed]))
            )
        }
        changed = [row for row, values in items if found.get(row.id) == values]
    taken = {row.id for row in changed}
    for row, values in items:
        if row.id in taken:
            for key, value in values.items():
                set_committed(row, key, value)
    return changed


async def _expire_offers(work: Work, config: _Config, now: datetime, result: PassResult) -> None:
    for row in await repo.expired_offers(work.session, config.tenant.id, now):
        agent_id = row.agent_id
        if not await requeue(work, row, now, why="timeout", declined_by=agent_id):
            continue
        result.requeued += 1
        agent = await repo.get_agent(work.session, config.tenant.id, agent_id) if agent_id else None
        if agent is not None and agent.state == AgentState.AVAILABLE:
            set_agent_state(work, agent, AgentState.NOT_RESPONDING, "missed_offer", now)


async def _end_wrap_ups(work: Work, config: _Config, now: datetime) -> None:
    """The wrap-up time ran out: the agent is free again. A contact the tenant requires a
    reason for and that has none stays on its agent's desk as needing one (`needs_reason`)."""
    required = bool(tenant_setting(config.tenant, "wrap_up_reason_required"))
    for row in await repo.wrap_ups_due(work.session, config.tenant.id, now):
        unclassified = required and row.reason_id is None
        if await transition(
            work.session,
            row,
            (S.ENDED,),
            status=S.WRAPPED_UP,
            wrapped_up_at=now,
            wrap_up_due_at=None,
            needs_reason=unclassified,
        ):
            data = {"auto": True, "needs_reason": unclassified}
            emit_step(work, row, "wrapped_up", S.ENDED, data, now=now)


async def _admit(work: Work, config: _Config, now: datetime, result: PassResult) -> None:
    """Take new inbound contacts into their queues."""
    session = work.session
    fresh = await repo.unadmitted(session, config.tenant.id, ADMIT_BATCH)
    if not fresh:
        return
    sizes = await repo.waiting_counts(session, config.tenant.id)
    facts = await _customer_facts(work, config, fresh, now)
    chains = await repo.reason_chains(session, config.tenant.id, list({r.case_id for r in fresh}))
    for row in (r for r in fresh if config.queue_for(r) is None):
        await _unrouted(work, config, row, now)
    placing: list[tuple[Interaction, dict[str, Any]]] = []
    actions: dict[uuid.UUID, QueueAction] = {}
    for row in fresh:
        entry = config.queue_for(row, chains.get(row.case_id, ()))
        if entry is None:
            continue
        queue, action = _place(config, entry, sizes, now)
        sizes[queue.id] = sizes.get(queue.id, 0) + 1
        written = is_written(row.channel) and bool(queue.first_response_seconds)
        placing.append(
            (
                row,
                {
                    "admitted_at": now,
                    "queue_id": queue.id,
                    "queue": queue.name,
                    "routing_priority": queue.priority + facts.boost(queue, row, now),
                    "preferred_agent_id": facts.preferred(queue, row, now),
                    "response_clock": "first" if written else row.response_clock,
                    "status": S.QUEUED,
                    "queued_at": now if row.status == S.CREATED else row.queued_at,
                },
            )
        )
        if action is not None:
            actions[row.id] = action
    previous = {row.id: row.status for row, _ in placing}
    for source in (S.CREATED, S.QUEUED):
        batch = [(r, v) for r, v in placing if previous[r.id] == source]
        for row in await _transition_many(session, source, batch):
            result.admitted += 1
            if source == S.CREATED:
                data = {
                    "queue": row.queue,
                    "queue_id": row.queue_id,
                    "priority": row.routing_priority,
                }
                emit_step(work, row, "queued", source, data, now=now)
            if row.id in actions:
                queue = config.queues[row.queue_id]  # type: ignore[index]
                await _apply_action(
                    work, config, row, queue, actions[row.id], now, why="closed_or_full"
                )


async def _unrouted(work: Work, config: _Config, row: Interaction, now: datetime) -> None:
    """No queue can take the contact: it is listed as unrouted, with why, for a supervisor to
    place (`service.move_waiting`) or a person to handle; never left invisible."""
    reason = config.unrouted_reason(row)
    if await transition(work.session, row, (row.status,), admitted_at=now, unrouted_reason=reason):
        emit_step(work, row, "unrouted", row.status, {"reason": reason}, now=now)


@dataclass
class _Facts:
    """What admission needs to know of the customers of new contacts, read in a few queries."""

    vip: set[uuid.UUID]
    # customer -> (interaction id, created at) of their contacts of the last 24 hours
    recent: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]]
    # customer -> (agent, answered at) of their last answered contact
    last_agent: dict[uuid.UUID, tuple[uuid.UUID, datetime]]

    def boost(self, queue: Queue, row: Interaction, now: datetime) -> int:
        boost = queue.vip_boost if row.customer_id in self.vip else 0
        since = now - REPEAT_WINDOW
        if any(
            other != row.id and since <= at <= row.created_at
            for other, at in self.recent.get(row.customer_id, ())
        ):
            boost += queue.repeat_boost
        return boost

    def preferred(self, queue: Queue, row: Interaction, now: datetime) -> uuid.UUID | None:
        if queue.preferred_agent_hours <= 0 or row.customer_id not in self.last_agent:
            return None
        agent, at = self.last_agent[row.customer_id]
        return agent if at >= now - timedelta(hours=queue.preferred_agent_hours) else None


async def _customer_facts(
    work: Work, config: _Config, rows: list[Interaction], now: datetime
) -> _Facts:
    ids = list({r.customer_id for r in rows})
    tenant_id = config.tenant.id
    hours = max((q.preferred_agent_hours for q in config.queues.values()), default=0)
    return _Facts(
        await repo.vip_customers(work.session, tenant_id, ids),
        await repo.recent_contacts(work.session, tenant_id, ids, now - REPEAT_WINDOW),
        await repo.last_agents(work.session, tenant_id, ids, now - timedelta(hours=hours))
        if hours
        else {},
    )


def _place(
    config: _Config, queue: Queue, sizes: dict[uuid.UUID, int], now: datetime
) -> tuple[Queue, QueueAction | None]:
    """The queue a new contact waits in, following closed-hours and full-queue transfers.

    Returns the queue and an action still to apply (a callback offer or a rejection).
    """
    seen: set[uuid.UUID] = set()
    while queue.id not in seen:
        seen.add(queue.id)
        if not config.is_open(queue, now):
            action, target = queue.closed_action, queue.closed_queue_id
        elif queue.max_size is not None and sizes.get(queue.id, 0) >= queue.max_size:
            action, target = queue.overflow_action, queue.overflow_queue_id
        else:
            return queue, None
        if action == QueueAction.TRANSFER and target in config.queues:
            queue = config.queues[target]
            continue
        return queue, (None if action == QueueAction.WAIT else QueueAction(action))
    return queue, None


async def _apply_action(
    work: Work,
    config: _Config,
    row: Interaction,
    queue: Queue,
    action: QueueAction,
    now: datetime,
    *,
    why: str,
) -> bool:
    """A callback offer or a rejection; returns whether the contact left the queue."""
    if action == QueueAction.CALLBACK:
        if row.callback_offered_at is None and await transition(
            work.session, row, (S.QUEUED,), callback_offered_at=now
        ):
            work.emit(
                config.tenant.id,
                "interaction.callback_offered",
                {"queue": queue.name, "queue_id": queue.id, "why": why},
                customer_id=row.customer_id,
                case_id=row.case_id,
                interaction_id=row.id,
                occurred_at=now,
            )
        return False
    if action == QueueAction.REJECT and await transition(
        work.session, row, (S.QUEUED,), status=S.ENDED, ended_at=now
    ):
        emit_step(work, row, "ended", S.QUEUED, {"why": why, "queue": queue.name}, now=now)
        return True
    return False


async def _overflow(
    work: Work, config: _Config, waiting: list[Interaction], now: datetime
) -> list[Interaction]:
    """Contacts past their queue's maximum wait move on (or are offered a callback)."""
    kept = []
    for row in waiting:
        queue = config.queues.get(row.queue_id) if row.queue_id else None
        if (
            queue is None
            or queue.max_wait_seconds is None
            or row.queued_at is None
            or (now - row.queued_at).total_seconds() < queue.max_wait_seconds
            or queue.overflow_action == QueueAction.WAIT
        ):
            kept.append(row)
            continue
        action, target = queue.overflow_action, queue.overflow_queue_id
        if action == QueueAction.TRANSFER and target in config.queues and target != queue.id:
            new = config.queues[target]
            # it starts a new wait there (so it cannot bounce back at once) and takes on the
            # new queue's priority in place of the old one's
            priority = row.routing_priority - queue.priority + new.priority
            if await transition(
                work.session,
                row,
                (S.QUEUED,),
                queue_id=new.id,
                queue=new.name,
                routing_priority=priority,
                queued_at=now,
            ):
                emit_step(
                    work, row, "requeued", S.QUEUED,
                    {"why": "max_wait", "queue": new.name, "queue_id": new.id,
                     "queued_at": now, "agent_id": None}, now=now,
                )  # fmt: skip
            kept.append(row)
        elif not await _apply_action(
            work, config, row, queue, QueueAction(action), now, why="max_wait"
        ):
            kept.append(row)
    return kept


async def _response_clocks(work: Work, config: _Config, now: datetime) -> datetime | None:
    """Start, escalate and breach written-channel response clocks; the next one due.

    Only clocks with something to do are read: new ones, and those past their escalation or
    breach time. The deadline and escalation time are in the queue's open hours.
    """
    session, tenant_id = work.session, config.tenant.id
    rows = await repo.clocks_due(session, tenant_id, now)
    starting: list[tuple[Interaction, dict[str, Any]]] = []
    for row in rows:
        queue = config.queues.get(row.queue_id) if row.queue_id else None
        target = _target(queue, row.response_clock)
        if queue is None or not target:
            await transition(session, row, (row.status,), sla_state="untracked")
        elif row.response_due_at is None:
            cal, tz = config.calendar(queue), zone(config.tenant)
            start = (
                row.created_at if row.response_clock == "first" else row.last_message_at
            ) or now
            share = target * queue.escalate_at_percent / 100
            values = {
                "response_due_at": calendar.add_open_time(cal, tz, start, target),
                "sla_warn_at": calendar.add_open_time(cal, tz, start, share),
                "sla_state": "running",
            }
            starting.append((row, values))
    for status in {row.status for row, _ in starting}:
        await _transition_many(session, status, [(r, v) for r, v in starting if r.status == status])
    for row in rows:
        queue = config.queues.get(row.queue_id) if row.queue_id else None
        if queue is None or row.sla_state not in ("running", "at_risk"):
            continue
        if row.sla_state == "running" and row.sla_warn_at is not None and now >= row.sla_warn_at:
            await _escalate(work, config, row, queue, now)
        due = row.response_due_at
        if row.sla_state in ("running", "at_risk") and due is not None and now >= due:
            await transition(session, row, (row.status,), sla_state="breached")
            _sla_event(work, row, "sla.breached", now)
    return await repo.next_clock(session, tenant_id)


def _target(queue: Queue | None, clock: str | None) -> int | None:
    if queue is None:
        return None
    return queue.first_response_seconds if clock == "first" else queue.next_response_seconds


async def _case_deadlines(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Each case shows the nearest response deadline of its open contacts (or none)."""
    nearest = (
        select(func.min(Interaction.response_due_at))
        .where(
            Interaction.case_id == Case.id,
            Interaction.response_clock.is_not(None),
            Interaction.status.in_(OPEN_STATUSES),
        )
        .scalar_subquery()
    )
    clocked = select(Interaction.case_id).where(
        Interaction.tenant_id == tenant_id, Interaction.response_clock.is_not(None)
    )
    await session.execute(
        update(Case)
        .where(Case.tenant_id == tenant_id, or_(Case.sla_due_at.is_not(None), Case.id.in_(clocked)))
        .values(sla_due_at=nearest)
        .execution_options(synchronize_session=False)
    )


async def _escalate(
    work: Work, config: _Config, row: Interaction, queue: Queue, now: datetime
) -> None:
    priority = row.routing_priority + queue.escalation_boost
    if await transition(
        work.session, row, (row.status,), sla_state="at_risk", routing_priority=priority
    ):
        _sla_event(work, row, "sla.at_risk", now, priority=priority)


def _sla_event(work: Work, row: Interaction, kind: str, now: datetime, **extra: Any) -> None:
    work.emit(
        row.tenant_id,
        kind,
        {
            "clock": row.response_clock,
            "due_at": row.response_due_at,
            "queue": row.queue,
            "agent_id": row.agent_id,
            **extra,
        },
        customer_id=row.customer_id,
        case_id=row.case_id,
        interaction_id=row.id,
        occurred_at=now,
    )


def _steps(queue: Queue) -> tuple[engine.Step, ...]:
    made = tuple(
        engine.Step(float(s.get("after", 0)), s.get("skill"), int(s.get("min_level", 1)))
        for s in queue.steps
    )
    return made or (engine.Step(),)


def cooling(row: Interaction) -> list[tuple[str, datetime]]:
    """The agents who declined or missed the contact, and until when they are skipped."""
    return [
        (str(d["agent_id"]), datetime.fromisoformat(str(d["until"])))
        for d in row.declined_by or []
        if isinstance(d, dict) and "agent_id" in d and "until" in d
    ]


def to_contact(row: Interaction, queue: Queue, now: datetime) -> engine.Contact:
    assert row.queue_id is not None
    assert row.queued_at is not None
    return engine.Contact(
        id=str(row.id),
        queue=str(row.queue_id),
        channel=row.channel,
        enqueued_at=row.queued_at,
        priority=row.routing_priority,
        steps=_steps(queue),
        preferred_agent=str(row.preferred_agent_id) if row.preferred_agent_id else None,
        excluded=frozenset(agent for agent, until in cooling(row) if until > now),
    )


def held_for(row: Interaction, now: datetime) -> uuid.UUID | None:
    """The agent a waiting contact is held for alone (until its `preferred_until`), if any.

    A plain preferred agent (the one who served the customer last) is only preferred when
    free; a held contact, such as a callback its agent promised to make, waits for them.
    """
    if row.preferred_agent_id is None or row.preferred_until is None:
        return None
    return row.preferred_agent_id if now < row.preferred_until else None


def _hold(
    contact: engine.Contact, row: Interaction, agents: frozenset[str], now: datetime
) -> engine.Contact:
    held = held_for(row, now)
    if held is None:
        return contact
    return replace(contact, excluded=contact.excluded | (agents - {str(held)}))


class AgentLike(Protocol):
    @property
    def user_id(self) -> uuid.UUID: ...
    @property
    def state(self) -> str: ...
    @property
    def idle_since(self) -> datetime: ...
    @property
    def skills(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class ProfileView:
    """A routing profile as the engine reads it; one per profile, shared by its agents."""

    queues: dict[str, engine.Membership]
    capacity: dict[str, int]
    blocks: dict[str, frozenset[str]]

    @classmethod
    def of(cls, profile: RoutingProfile) -> "ProfileView":
        return cls(
            {
                str(m["queue_id"]): engine.Membership(
                    int(m.get("priority", 1)), float(m.get("delay", 0))
                )
                for m in profile.queues
            },
            dict(profile.capacity),
            {k: frozenset(v) for k, v in profile.blocks.items()},
        )


def to_agent(
    agent: AgentLike, profile: RoutingProfile | ProfileView, load: dict[str, int]
) -> engine.Agent:
    view = profile if isinstance(profile, ProfileView) else ProfileView.of(profile)
    return engine.Agent(
        id=str(agent.user_id),
        available=agent.state == AgentState.AVAILABLE,
        idle_since=agent.idle_since,
        queues=view.queues,
        capacity=view.capacity,
        load=load,
        skills=agent.skills,
        blocks=view.blocks,
    )


async def _assign(
    work: Work,
    config: _Config,
    waiting: list[Interaction],
    live: frozenset[uuid.UUID],
    now: datetime,
    result: PassResult,
) -> None:
    """Offer waiting contacts to available agents whose desk is connected (`live`)."""
    session = work.session
    rows = {str(r.id): r for r in waiting if r.status == S.QUEUED and r.queue_id in config.queues}
    if not rows:
        return
    agents = [
        a for a in await repo.available_agent_rows(session, config.tenant.id)
        if a.profile_id in config.profiles and a.user_id in live
    ]  # fmt: skip
    if not agents:
        return
    loads = await repo.loads(session, config.tenant.id)
    by_id = {str(a.user_id): a for a in agents}
    contacts = [to_contact(r, config.queues[r.queue_id], now) for r in rows.values()]  # type: ignore[index]
    views = {pid: ProfileView.of(p) for pid, p in config.profiles.items()}
    pool = [to_agent(a, views[a.profile_id], loads.get(a.user_id, {})) for a in agents]  # type: ignore[index]
    everyone = frozenset(a.id for a in pool)
    contacts = [_hold(c, rows[c.id], everyone, now) for c in contacts]
    policies = {str(q.id): engine.Policy(q.policy) for q in config.queues.values()}
    offers: list[tuple[Interaction, dict[str, Any]]] = []
    taking: dict[uuid.UUID, repo.AgentRow] = {}
    for made in RoutingTable(pool, contacts, policies).route(now):
        row, agent = rows[made.contact_id], by_id[made.agent_id]
        queue = config.queues[row.queue_id]  # type: ignore[index]
        profile = config.profiles[agent.profile_id]  # type: ignore[index]
        auto = row.channel in profile.auto_accept
        timeout = timedelta(seconds=queue.offer_timeout_seconds)
        values: dict[str, Any] = {
            "status": S.ACTIVE if auto else S.OFFERED,
            "agent_id": agent.user_id,
            "offered_at": now,
            "offer_expires_at": None if auto else now + timeout,
            "answered_at": now if auto else row.answered_at,
            "opened_at": None,  # a desk opens it, or the agent accepts it
        }
        offers.append((row, values))
        taking[row.id] = agent
    offered = await _transition_many(session, S.QUEUED, offers)
    busy = {taking[row.id].id for row in offered}
    if busy:  # one statement: the agents' rows are many and change only here
        await session.execute(
            update(Agent)
            .where(Agent.id.in_(busy))
            .values(idle_since=now)
            .execution_options(synchronize_session=False)
        )
    for row in offered:
        agent = taking[row.id]
        result.offered += 1
        result.offers.append((row.id, agent.user_id))
        data = {"agent_id": agent.user_id, "queue": row.queue, "expires_at": row.offer_expires_at}
        emit_step(work, row, "offered", S.QUEUED, data, now=now)
        if row.status == S.ACTIVE:
            auto_data = {"agent_id": agent.user_id, "auto": True}
            emit_step(work, row, "answered", S.OFFERED, auto_data, now=now)


def _next_waiting_change(
    config: _Config, waiting: list[Interaction], now: datetime
) -> datetime | None:
    """When a waiting contact's requirements relax, an agent's delay passes, or max wait hits."""
    offsets: set[float] = set()
    for profile in config.profiles.values():
        offsets.update(float(m.get("delay", 0)) for m in profile.queues)
    soonest: datetime | None = None
    for row in waiting:
        queue = config.queues.get(row.queue_id) if row.queue_id else None
        if queue is None or row.queued_at is None or row.status != S.QUEUED:
            continue
        marks = offsets | {float(s.get("after", 0)) for s in queue.steps}
        if queue.max_wait_seconds is not None and queue.overflow_action != QueueAction.WAIT:
            marks.add(float(queue.max_wait_seconds))
        times = [row.queued_at + timedelta(seconds=mark) for mark in marks]
        times += [until for _, until in cooling(row)]
        if held_for(row, now) is not None and row.preferred_until is not None:
            times.append(row.preferred_until)
        for at in times:
            if at > now and (soonest is None or at < soonest):
                soonest = at
    return soonest


def entry_queue(
    tenant: Tenant, queues: Sequence[Queue], channel: str, reasons: Sequence[str]
) -> Queue | None:
    """The queue a new contact of a channel with these reason codes would wait in."""
    config = _Config(tenant, {q.id: q for q in queues}, {q.name: q for q in queues}, {})
    return config.queue_for(Interaction(channel=channel), reasons)
