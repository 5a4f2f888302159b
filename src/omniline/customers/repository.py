"""Every query of customers and identities."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import Customer, CustomerIdentity


async def find_identity(
    session: AsyncSession, tenant_id: uuid.UUID, kind: str, value: str
) -> CustomerIdentity | None:
    """The identity row for a normalised value."""
    return await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.tenant_id == tenant_id,
            CustomerIdentity.kind == kind,
            CustomerIdentity.value == value,
        )
    )


async def get_customer(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer | None:
    """A customer of a tenant."""
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.tenant_id != tenant_id:
        return None
    return customer


async def identities_of(
    session: AsyncSession, customer_ids: Sequence[uuid.UUID]
) -> list[CustomerIdentity]:
    """The identities of some customers."""
    if not customer_ids:
        return []
    rows = await session.scalars(
        select(CustomerIdentity)
        .where(CustomerIdentity.customer_id.in_(customer_ids))
        .order_by(CustomerIdentity.created_at)
    )
    return list(rows)


async def list_customers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    name: str | None = None,
    include_merged: bool = False,
) -> list[Customer]:
    """A page of a tenant's customers, oldest first."""
    query = select(Customer).where(Customer.tenant_id == tenant_id)
    if not include_merged:
        query = query.where(Customer.merged_into_id.is_(None))
    if after is not None:
        query = query.where(Customer.id > after)
    if name:
        query = query.where(Customer.display_name.ilike(f"%{name}%"))
    return list(await session.scalars(query.order_by(Customer.id).limit(limit)))
