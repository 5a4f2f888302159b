"""Every query of interactions, messages and their event log."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import OPEN_INTERACTION_STATUSES, Event, Interaction, Message


async def get_interaction(
    session: AsyncSession, tenant_id: uuid.UUID, interaction_id: uuid.UUID
) -> Interaction | None:
    """An interaction of a tenant."""
    row = await session.get(Interaction, interaction_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def find_open_interaction(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    channel: str,
    thread_ref: str | None,
) -> Interaction | None:
    """The open interaction a new message on this channel and thread continues."""
    query = select(Interaction).where(
        Interaction.tenant_id == tenant_id,
        Interaction.channel == channel,
        Interaction.status.in_(OPEN_INTERACTION_STATUSES),
    )
    if thread_ref is not None:
        query = query.where(Interaction.thread_ref == thread_ref)
    else:
        query = query.where(
            Interaction.customer_id == customer_id, Interaction.thread_ref.is_(None)
        )
    return await session.scalar(query.order_by(Interaction.created_at.desc()).limit(1))


async def find_message_by_external_id(
    session: AsyncSession, tenant_id: uuid.UUID, channel: str, external_id: str
) -> Message | None:
    """A message by the provider's id."""
    return await session.scalar(
        select(Message).where(
            Message.tenant_id == tenant_id,
            Message.channel == channel,
            Message.external_id == external_id,
        )
    )


async def list_interactions(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    case_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    channel: str | None = None,
    status: str | None = None,
    agent_id: uuid.UUID | None = None,
    needs_reason: bool | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> list[Interaction]:
    """A page of a tenant's interactions, oldest first."""
    query = select(Interaction).where(Interaction.tenant_id == tenant_id)
    for column, value in (
        (Interaction.case_id, case_id),
        (Interaction.customer_id, customer_id),
        (Interaction.channel, channel),
        (Interaction.status, status),
        (Interaction.agent_id, agent_id),
        (Interaction.needs_reason, needs_reason),
    ):
        if value is not None:
            query = query.where(column == value)
    if created_from is not None:
        query = query.where(Interaction.created_at >= created_from)
    if created_before is not None:
        query = query.where(Interaction.created_at < created_before)
    if after is not None:
        query = query.where(Interaction.id > after)
    return list(await session.scalars(query.order_by(Interaction.id).limit(limit)))


async def list_messages(
    session: AsyncSession,
    interaction_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    include_internal: bool = True,
) -> list[Message]:
    """A page of an interaction's messages, in order (internal notes only if asked for)."""
    query = select(Message).where(Message.interaction_id == interaction_id)
    if not include_internal:
        query = query.where(Message.internal.is_(False))
    if after is not None:
        query = query.where(Message.id > after)
    return list(await session.scalars(query.order_by(Message.id).limit(limit)))


async def interaction_events(
    session: AsyncSession, tenant_id: uuid.UUID, interaction_id: uuid.UUID
) -> list[Event]:
    """The lifecycle log of one interaction, in order."""
    rows = await session.scalars(
        select(Event)
        .where(Event.tenant_id == tenant_id, Event.interaction_id == interaction_id)
        .order_by(Event.seq)
    )
    return list(rows)


async def case_interactions(
    session: AsyncSession, tenant_id: uuid.UUID, case_id: uuid.UUID, *, limit: int
) -> tuple[list[Interaction], int]:
    """The latest `limit` interactions of a case, oldest first, and how many it has in all."""
    where = (Interaction.tenant_id == tenant_id, Interaction.case_id == case_id)
    total = await session.scalar(select(func.count()).select_from(Interaction).where(*where))
    rows = await session.scalars(
        select(Interaction).where(*where).order_by(Interaction.id.desc()).limit(limit)
    )
    return list(reversed(list(rows))), int(total or 0)


async def open_threaded_interactions(
    session: AsyncSession, tenant_id: uuid.UUID, threads: Sequence[tuple[str, str]]
) -> list[Interaction]:
    """The open interactions of several (channel, thread) pairs."""
    if not threads:
        return []
    match = or_(*(and_(Interaction.channel == c, Interaction.thread_ref == t) for c, t in threads))
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.status.in_(OPEN_INTERACTION_STATUSES),
            match,
        )
    )
    return list(rows)


async def open_unthreaded_interactions(
    session: AsyncSession, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> list[Interaction]:
    """The open interactions without a thread of several customers."""
    if not customer_ids:
        return []
    rows = await session.scalars(
        select(Interaction).where(
            Interaction.tenant_id == tenant_id,
            Interaction.customer_id.in_(set(customer_ids)),
            Interaction.status.in_(OPEN_INTERACTION_STATUSES),
            Interaction.thread_ref.is_(None),
        )
    )
    return list(rows)


async def messages_by_external_ids(
    session: AsyncSession, tenant_id: uuid.UUID, keys: Sequence[tuple[str, str]]
) -> list[tuple[Message, Interaction]]:
    """Messages by (channel, provider id), with their interactions."""
    if not keys:
        return []
    match = or_(*(and_(Message.channel == c, Message.external_id == e) for c, e in keys))
    rows = await session.execute(
        select(Message, Interaction)
        .join(Interaction, Interaction.id == Message.interaction_id)
        .where(Message.tenant_id == tenant_id, match)
    )
    return [(m, i) for m, i in rows.all()]
