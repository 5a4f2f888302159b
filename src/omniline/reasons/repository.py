"""Every query of contact reasons."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import ContactReason


async def get_reason(
    session: AsyncSession, tenant_id: uuid.UUID, reason_id: uuid.UUID
) -> ContactReason | None:
    """A reason of a tenant."""
    row = await session.get(ContactReason, reason_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def get_reason_by_code(
    session: AsyncSession, tenant_id: uuid.UUID, code: str
) -> ContactReason | None:
    """A reason by its code."""
    return await session.scalar(
        select(ContactReason).where(
            ContactReason.tenant_id == tenant_id, ContactReason.code == code
        )
    )


async def list_reasons(session: AsyncSession, tenant_id: uuid.UUID) -> list[ContactReason]:
    """Every reason of a tenant, by code."""
    rows = await session.scalars(
        select(ContactReason)
        .where(ContactReason.tenant_id == tenant_id)
        .order_by(ContactReason.code)
    )
    return list(rows)
