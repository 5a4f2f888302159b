"""Every query of realtime: the event stream and the open work a snapshot shows."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import (
    OPEN_CASE_STATUSES,
    OPEN_INTERACTION_STATUSES,
    Agent,
    AgentState,
    Case,
    Event,
    Interaction,
    JournalHead,
)


async def events_after(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    after: int,
    *,
    upto: int | None = None,
    limit: int = 10_000,
) -> Sequence[Event]:
    """Events of a tenant with after < seq (<= upto), oldest first."""
    query = select(Event).where(Event.tenant_id == tenant_id, Event.seq > after)
    if upto is not None:
        query = query.where(Event.seq <= upto)
    rows = await session.scalars(query.order_by(Event.seq).limit(limit))
    return rows.all()


async def head_seq(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """The id of a tenant's newest committed event (0 before the first)."""
    value = await session.scalar(
        select(JournalHead.event_seq).where(JournalHead.stream == str(tenant_id))
    )
    return int(value or 0)


async def open_interactions(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[Interaction]:
    """A tenant's interactions that have not ended."""
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.status.in_(OPEN_INTERACTION_STATUSES),
        )
        .order_by(Interaction.id)
    )
    return rows.all()


async def open_cases(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[Case]:
    """A tenant's cases that are neither resolved nor closed."""
    rows = await session.scalars(
        select(Case)
        .where(Case.tenant_id == tenant_id, Case.status.in_(OPEN_CASE_STATUSES))
        .order_by(Case.id)
    )
    return rows.all()


async def agents_at_work(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[Agent]:
    """A tenant's agents who are not offline."""
    rows = await session.scalars(
        select(Agent)
        .where(Agent.tenant_id == tenant_id, Agent.state != AgentState.OFFLINE)
        .order_by(Agent.user_id)
    )
    return rows.all()
