"""What routing reads and locks in the database."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import (
    Agent,
    AgentState,
    Case,
    ContactReason,
    Customer,
    Desk,
    Interaction,
    InteractionStatus,
    Queue,
    RoutingHead,
    RoutingProfile,
)

S = InteractionStatus
# what holds a unit of an agent's capacity: an offer, a contact in hand, a timed wrap-up
HOLDING = (S.OFFERED, S.ACTIVE, S.HELD)


async def lock_head(session: AsyncSession, tenant_id: uuid.UUID) -> RoutingHead:
    """Lock the tenant's routing head: changes of who handles what happen one at a time."""
    query = select(RoutingHead).where(RoutingHead.tenant_id == tenant_id).with_for_update()
    head = await session.scalar(query)
    if head is not None:
        return head
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        upsert(RoutingHead).values(tenant_id=tenant_id, passes=0).on_conflict_do_nothing()
    )
    head = await session.scalar(query)
    assert head is not None
    return head


async def queues(session: AsyncSession, tenant_id: uuid.UUID) -> list[Queue]:
    """The tenant's queues, by name."""
    rows = await session.scalars(
        select(Queue).where(Queue.tenant_id == tenant_id).order_by(Queue.name)
    )
    return list(rows)


async def has_queues(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Whether routing is set up in the tenant."""
    found = await session.scalar(select(Queue.id).where(Queue.tenant_id == tenant_id).limit(1))
    return found is not None


async def get_queue(
    session: AsyncSession, tenant_id: uuid.UUID, queue_id: uuid.UUID
) -> Queue | None:
    return await session.scalar(
        select(Queue).where(Queue.tenant_id == tenant_id, Queue.id == queue_id)
    )


async def profiles(session: AsyncSession, tenant_id: uuid.UUID) -> list[RoutingProfile]:
    """The tenant's routing profiles, by name."""
    rows = await session.scalars(
        select(RoutingProfile)
        .where(RoutingProfile.tenant_id == tenant_id)
        .order_by(RoutingProfile.name)
    )
    return list(rows)


async def get_profile(
    session: AsyncSession, tenant_id: uuid.UUID, profile_id: uuid.UUID
) -> RoutingProfile | None:
    return await session.scalar(
        select(RoutingProfile).where(
            RoutingProfile.tenant_id == tenant_id, RoutingProfile.id == profile_id
        )
    )


async def agents(session: AsyncSession, tenant_id: uuid.UUID) -> list[Agent]:
    """Every agent of the tenant routing knows of."""
    rows = await session.scalars(
        select(Agent).where(Agent.tenant_id == tenant_id).order_by(Agent.created_at)
    )
    return list(rows)


class AgentRow(NamedTuple):
    """What a routing pass needs of an available agent (read without the ORM: they are many)."""

    id: uuid.UUID
    user_id: uuid.UUID
    profile_id: uuid.UUID | None
    skills: dict[str, int]
    idle_since: datetime
    state: str


async def available_agent_rows(session: AsyncSession, tenant_id: uuid.UUID) -> list[AgentRow]:
    """Agents who are available and have a routing profile."""
    rows = await session.execute(
        select(
            Agent.id, Agent.user_id, Agent.profile_id, Agent.skills, Agent.idle_since, Agent.state
        ).where(
            Agent.tenant_id == tenant_id,
            Agent.state == AgentState.AVAILABLE,
            Agent.profile_id.is_not(None),
        )
    )
    return [AgentRow(*row) for row in rows]


async def available_agents(session: AsyncSession, tenant_id: uuid.UUID) -> list[Agent]:
    """Agents who are available and have a routing profile."""
    rows = await session.scalars(
        select(Agent).where(
            Agent.tenant_id == tenant_id,
            Agent.state == AgentState.AVAILABLE,
            Agent.profile_id.is_not(None),
        )
    )
    return list(rows)


async def get_agent(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> Agent | None:
    return await session.scalar(
        select(Agent).where(Agent.tenant_id == tenant_id, Agent.user_id == user_id)
    )


def _holding() -> ColumnElement[bool]:
    return or_(
        Interaction.status.in_(HOLDING),
        and_(Interaction.status == S.ENDED, Interaction.wrap_up_due_at.is_not(None)),
    )


async def loads(
    session: AsyncSession, tenant_id: uuid.UUID, agent_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[str, int]]:
    """agent -> channel -> how many contacts they hold (offered, handled, in timed wrap-up)."""
    query = (
        select(Interaction.agent_id, Interaction.channel, func.count())
        .where(Interaction.tenant_id == tenant_id, Interaction.agent_id.is_not(None), _holding())
        .group_by(Interaction.agent_id, Interaction.channel)
    )
    if agent_ids is not None:
        query = query.where(Interaction.agent_id.in_(agent_ids))
    made: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for agent_id, channel, count in await session.execute(query):
        if agent_id is not None:
            made[agent_id][channel] = count
    return made


async def holding(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> list[Interaction]:
    """The contacts an agent holds now."""
    rows = await session.scalars(
        select(Interaction)
        .where(Interaction.tenant_id == tenant_id, Interaction.agent_id == user_id, _holding())
        .order_by(Interaction.offered_at)
    )
    return list(rows)


async def unadmitted(session: AsyncSession, tenant_id: uuid.UUID, limit: int) -> list[Interaction]:
    """New inbound contacts routing has not taken in yet, oldest first."""
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status.in_((S.CREATED, S.QUEUED)),
            Interaction.admitted_at.is_(None),
            Interaction.direction == "inbound",
        )
        .order_by(Interaction.created_at)
        .limit(limit)
    )
    return list(rows)


async def unrouted(session: AsyncSession, tenant_id: uuid.UUID) -> list[tuple[Interaction, int]]:
    """Contacts no queue could take, with their case numbers, oldest first."""
    rows = await session.execute(
        select(Interaction, Case.number)
        .join(Case, and_(Case.id == Interaction.case_id, Case.tenant_id == tenant_id))
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.CREATED,
            Interaction.unrouted_reason.is_not(None),
        )
        .order_by(Interaction.created_at)
    )
    return [(row, number) for row, number in rows]


async def readmit_unrouted(
    session: AsyncSession, tenant_id: uuid.UUID, channels: Sequence[str]
) -> None:
    """Unrouted contacts of these channels go back to admission (a queue now serves them)."""
    await session.execute(
        update(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.CREATED,
            Interaction.unrouted_reason.is_not(None),
            Interaction.channel.in_(channels),
        )
        .values(admitted_at=None, unrouted_reason=None)
        .execution_options(synchronize_session=False)
    )


async def waiting(session: AsyncSession, tenant_id: uuid.UUID) -> list[Interaction]:
    """Contacts waiting in a queue."""
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.QUEUED,
            Interaction.queue_id.is_not(None),
            Interaction.admitted_at.is_not(None),
        )
    )
    return list(rows)


async def waiting_counts(session: AsyncSession, tenant_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """queue -> how many contacts wait in it."""
    rows = await session.execute(
        select(Interaction.queue_id, func.count())
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.QUEUED,
            Interaction.admitted_at.is_not(None),
        )
        .group_by(Interaction.queue_id)
    )
    return {queue_id: count for queue_id, count in rows if queue_id is not None}


async def expired_offers(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime
) -> list[Interaction]:
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.OFFERED,
            Interaction.offer_expires_at <= now,
        )
    )
    return list(rows)


async def wrap_ups_due(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime
) -> list[Interaction]:
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.ENDED,
            Interaction.wrap_up_due_at <= now,
        )
    )
    return list(rows)


OPEN = (S.CREATED, S.QUEUED, S.OFFERED, S.ACTIVE, S.HELD)


async def clocks_due(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime
) -> list[Interaction]:
    """Open contacts whose response clock needs a deadline, an escalation or a breach."""
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.response_clock.is_not(None),
            Interaction.status.in_(OPEN),
            or_(
                Interaction.response_due_at.is_(None) & (Interaction.sla_state != "untracked"),
                (Interaction.sla_state == "running") & (Interaction.sla_warn_at <= now),
                Interaction.sla_state.in_(("running", "at_risk"))
                & (Interaction.response_due_at <= now),
            ),
        )
    )
    return list(rows)


async def next_clock(session: AsyncSession, tenant_id: uuid.UUID) -> datetime | None:
    """The next escalation or breach time of a running response clock."""
    base = select().where(
        Interaction.tenant_id == tenant_id,
        Interaction.response_clock.is_not(None),
        Interaction.status.in_(OPEN),
    )
    warn = await session.scalar(
        base.add_columns(func.min(Interaction.sla_warn_at)).where(
            Interaction.sla_state == "running"
        )
    )
    breach = await session.scalar(
        base.add_columns(func.min(Interaction.response_due_at)).where(
            Interaction.sla_state.in_(("running", "at_risk"))
        )
    )
    found = [t for t in (warn, breach) if t is not None]
    return min(found) if found else None


async def next_timer(session: AsyncSession, tenant_id: uuid.UUID) -> datetime | None:
    """The earliest offer timeout or wrap-up end of the tenant."""
    offer = await session.scalar(
        select(func.min(Interaction.offer_expires_at)).where(
            Interaction.tenant_id == tenant_id, Interaction.status == S.OFFERED
        )
    )
    wrap = await session.scalar(
        select(func.min(Interaction.wrap_up_due_at)).where(
            Interaction.tenant_id == tenant_id, Interaction.status == S.ENDED
        )
    )
    found = [t for t in (offer, wrap) if t is not None]
    return min(found) if found else None


async def vip_customers(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these customers are VIPs."""
    rows = await session.scalars(
        select(Customer.id).where(
            Customer.tenant_id == tenant_id, Customer.id.in_(ids), Customer.vip.is_(True)
        )
    )
    return set(rows)


async def recent_contacts(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID], since: datetime
) -> dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]]:
    """customer -> their contacts created since a time (id, created at)."""
    rows = await session.execute(
        select(Interaction.customer_id, Interaction.id, Interaction.created_at).where(
            Interaction.tenant_id == tenant_id,
            Interaction.customer_id.in_(ids),
            Interaction.created_at >= since,
        )
    )
    made: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = defaultdict(list)
    for customer_id, interaction_id, created_at in rows:
        made[customer_id].append((interaction_id, created_at))
    return made


async def last_agents(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID], since: datetime
) -> dict[uuid.UUID, tuple[uuid.UUID, datetime]]:
    """customer -> the agent who last answered one of their contacts since a time, and when."""
    rows = await session.execute(
        select(Interaction.customer_id, Interaction.agent_id, Interaction.answered_at)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.customer_id.in_(ids),
            Interaction.agent_id.is_not(None),
            Interaction.answered_at >= since,
        )
        .order_by(Interaction.answered_at)
    )
    made: dict[uuid.UUID, tuple[uuid.UUID, datetime]] = {}
    for customer_id, agent_id, answered_at in rows:
        if agent_id is not None and answered_at is not None:
            made[customer_id] = (agent_id, answered_at)
    return made


async def answer_stats(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    queue_id: uuid.UUID,
    since: datetime,
    channel: str | None = None,
) -> tuple[int, float | None]:
    """Contacts of a queue (of one channel, if given) answered since a time, and their mean
    handling time (seconds)."""
    query = select(Interaction.answered_at, Interaction.ended_at).where(
        Interaction.tenant_id == tenant_id,
        Interaction.queue_id == queue_id,
        Interaction.answered_at >= since,
    )
    if channel is not None:
        query = query.where(Interaction.channel == channel)
    rows = (await session.execute(query)).all()
    handled = [(e - a).total_seconds() for a, e in rows if a is not None and e is not None]
    return len(rows), (sum(handled) / len(handled) if handled else None)


async def wrapping_up(
    session: AsyncSession, tenant_id: uuid.UUID, agent_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, int]:
    """agent -> how many ended contacts they are still wrapping up (timed)."""
    query = (
        select(Interaction.agent_id, func.count())
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status == S.ENDED,
            Interaction.wrap_up_due_at.is_not(None),
        )
        .group_by(Interaction.agent_id)
    )
    if agent_ids is not None:
        query = query.where(Interaction.agent_id.in_(agent_ids))
    rows = await session.execute(query)
    return {agent_id: count for agent_id, count in rows if agent_id is not None}


async def offered_counts(session: AsyncSession, tenant_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """queue -> contacts offered to an agent and not yet answered."""
    rows = await session.execute(
        select(Interaction.queue_id, func.count())
        .where(Interaction.tenant_id == tenant_id, Interaction.status == S.OFFERED)
        .group_by(Interaction.queue_id)
    )
    return {queue_id: count for queue_id, count in rows if queue_id is not None}


class Outcome(NamedTuple):
    """A real-time contact that left its queue: answered (with the time) or abandoned."""

    channel: str
    queued_at: datetime
    answered_at: datetime | None


async def realtime_outcomes(
    session: AsyncSession, tenant_id: uuid.UUID, since: datetime, channels: frozenset[str]
) -> dict[uuid.UUID, list[Outcome]]:
    """queue -> its real-time contacts queued since a time that were answered or ended
    unanswered (abandoned); those still waiting are not counted."""
    rows = await session.execute(
        select(
            Interaction.queue_id,
            Interaction.channel,
            Interaction.queued_at,
            Interaction.answered_at,
        ).where(
            Interaction.tenant_id == tenant_id,
            Interaction.queued_at >= since,
            Interaction.channel.in_(channels),
            Interaction.direction == "inbound",
            or_(
                Interaction.answered_at.is_not(None),
                Interaction.status.in_((S.ENDED, S.WRAPPED_UP)),
            ),
        )
    )
    made: dict[uuid.UUID, list[Outcome]] = defaultdict(list)
    for queue_id, channel, queued_at, answered_at in rows:
        if queue_id is not None and queued_at is not None:
            made[queue_id].append(Outcome(channel, queued_at, answered_at))
    return made


async def reason_chains(
    session: AsyncSession, tenant_id: uuid.UUID, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """case -> its reason's code and the codes of that reason's parents, nearest first."""
    reason_of = dict(
        (
            await session.execute(
                select(Case.id, Case.reason_id).where(
                    Case.tenant_id == tenant_id, Case.id.in_(case_ids), Case.reason_id.is_not(None)
                )
            )
        ).all()
    )
    if not reason_of:
        return {}
    tree = {
        row.id: (row.code, row.parent_id)
        for row in await session.execute(
            select(ContactReason.id, ContactReason.code, ContactReason.parent_id).where(
                ContactReason.tenant_id == tenant_id
            )
        )
    }
    chains: dict[uuid.UUID, list[str]] = {}
    for case_id, reason_id in reason_of.items():
        chain: list[str] = []
        while reason_id in tree and len(chain) < 16:  # the bound guards a damaged tree
            code, reason_id = tree[reason_id]
            chain.append(code)
        chains[case_id] = chain
    return chains


# --- desks ---------------------------------------------------------------------------------


async def add_desk(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> Desk:
    desk = Desk(tenant_id=tenant_id, user_id=user_id, opened_at=now, seen_at=now)
    session.add(desk)
    await session.flush()
    return desk


async def touch_desk(
    session: AsyncSession, tenant_id: uuid.UUID, desk_id: uuid.UUID, now: datetime
) -> bool:
    """Refresh a desk's heartbeat; False if the desk is gone (a pass found it silent)."""
    result = await session.execute(
        update(Desk)
        .where(Desk.tenant_id == tenant_id, Desk.id == desk_id)
        .values(seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def remove_desks(
    session: AsyncSession, tenant_id: uuid.UUID, desk_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(
        delete(Desk)
        .where(Desk.tenant_id == tenant_id, Desk.id.in_(desk_ids))
        .execution_options(synchronize_session=False)
    )


async def desks(
    session: AsyncSession, tenant_id: uuid.UUID, user_ids: Sequence[uuid.UUID] | None = None
) -> list[Desk]:
    """The desks of a tenant (or of some agents) that the database knows of."""
    query = select(Desk).where(Desk.tenant_id == tenant_id)
    if user_ids is not None:
        query = query.where(Desk.user_id.in_(user_ids))
    return list(await session.scalars(query))


async def deskless_agents(
    session: AsyncSession, tenant_id: uuid.UUID, live: Sequence[uuid.UUID]
) -> list[Agent]:
    """Agents who would get work (available) or still hold contacts they never opened, and
    have no live desk."""
    unopened = select(Interaction.agent_id).where(
        Interaction.tenant_id == tenant_id,
        Interaction.agent_id.is_not(None),
        or_(
            Interaction.status == S.OFFERED,
            and_(Interaction.status == S.ACTIVE, Interaction.opened_at.is_(None)),
        ),
    )
    rows = await session.scalars(
        select(Agent).where(
            Agent.tenant_id == tenant_id,
            Agent.user_id.not_in(live),
            or_(
                Agent.state.in_((AgentState.AVAILABLE, AgentState.NOT_RESPONDING)),
                Agent.user_id.in_(unopened),
            ),
        )
    )
    return list(rows)


async def unopened(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> list[Interaction]:
    """An agent's offers, and the contacts given to them automatically that they never
    opened, oldest first."""
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.agent_id == user_id,
            or_(
                Interaction.status == S.OFFERED,
                and_(Interaction.status == S.ACTIVE, Interaction.opened_at.is_(None)),
            ),
        )
        .order_by(Interaction.offered_at)
    )
    return list(rows)


async def in_hand(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> list[Interaction]:
    """The contacts an agent handles now (in progress or on hold), oldest first."""
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.agent_id == user_id,
            Interaction.status.in_((S.ACTIVE, S.HELD)),
        )
        .order_by(Interaction.offered_at)
    )
    return list(rows)
