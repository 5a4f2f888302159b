"""Every query of cases."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import (
    OPEN_CASE_STATUSES,
    OPEN_INTERACTION_STATUSES,
    Case,
    Interaction,
    Membership,
    User,
)


async def get_case(session: AsyncSession, tenant_id: uuid.UUID, case_id: uuid.UUID) -> Case | None:
    """A case of a tenant."""
    case = await session.get(Case, case_id)
    return case if case is not None and case.tenant_id == tenant_id else None


async def get_case_by_number(
    session: AsyncSession, tenant_id: uuid.UUID, number: int
) -> Case | None:
    """A tenant's case by its number."""
    return await session.scalar(
        select(Case).where(Case.tenant_id == tenant_id, Case.number == number)
    )


async def open_contacts(
    session: AsyncSession, tenant_id: uuid.UUID, case_id: uuid.UUID
) -> list[Interaction]:
    """The case's contacts not yet ended, oldest first, locked against a routing pass."""
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.tenant_id == tenant_id,
            Interaction.case_id == case_id,
            Interaction.status.in_(OPEN_INTERACTION_STATUSES),
        )
        .order_by(Interaction.created_at)
        .with_for_update()
    )
    return list(rows)


async def find_joinable_case(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    reason_id: uuid.UUID | None,
    active_since: datetime,
) -> Case | None:
    """The customer's most recently active open case for this reason (any, if no reason)."""
    query = select(Case).where(
        Case.tenant_id == tenant_id,
        Case.customer_id == customer_id,
        Case.status.in_(OPEN_CASE_STATUSES),
        Case.last_activity_at >= active_since,
    )
    if reason_id is not None:
        query = query.where((Case.reason_id == reason_id) | Case.reason_id.is_(None))
    return await session.scalar(query.order_by(Case.last_activity_at.desc()).limit(1))


async def list_cases(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    customer_id: uuid.UUID | None = None,
    status: str | None = None,
) -> list[Case]:
    """A page of a tenant's cases, oldest first."""
    query = select(Case).where(Case.tenant_id == tenant_id)
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    if status is not None:
        query = query.where(Case.status == status)
    if after is not None:
        query = query.where(Case.id > after)
    return list(await session.scalars(query.order_by(Case.id).limit(limit)))


async def is_active_member(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether a person is an active member of the tenant (and so may own its cases)."""
    found = await session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id == tenant_id,
            Membership.user_id == user_id,
            User.is_active.is_(True),
        )
    )
    return found is not None


async def open_cases_of(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_ids: Sequence[uuid.UUID],
    active_since: datetime,
) -> list[Case]:
    """The open cases, active since a time, of several customers."""
    if not customer_ids:
        return []
    rows = await session.scalars(
        select(Case).where(
            Case.tenant_id == tenant_id,
            Case.customer_id.in_(set(customer_ids)),
            Case.status.in_(OPEN_CASE_STATUSES),
            Case.last_activity_at >= active_since,
        )
    )
    return list(rows)


async def get_cases(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Case]:
    """Several cases of a tenant by id."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(Case).where(Case.tenant_id == tenant_id, Case.id.in_(set(ids)))
    )
    return {row.id: row for row in rows}
