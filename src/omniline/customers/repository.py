"""Every query of customers and identities."""

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import Customer, CustomerIdentity, CustomerMerge, MergeSuggestion


async def find_identity(
    session: AsyncSession, tenant_id: uuid.UUID, kind: str, value: str
) -> CustomerIdentity | None:
    """The row of a normalised value's holder (typed values have none: they prove nothing)."""
    return await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.tenant_id == tenant_id,
            CustomerIdentity.kind == kind,
            CustomerIdentity.value == value,
            CustomerIdentity.typed.is_(False),
        )
    )


async def find_identities(
    session: AsyncSession, tenant_id: uuid.UUID, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], CustomerIdentity]:
    """The holders' rows of several normalised values, in one query (never typed rows)."""
    if not pairs:
        return {}
    match = or_(*(and_(CustomerIdentity.kind == k, CustomerIdentity.value == v) for k, v in pairs))
    rows = await session.scalars(
        select(CustomerIdentity).where(
            CustomerIdentity.tenant_id == tenant_id, CustomerIdentity.typed.is_(False), match
        )
    )
    return {(row.kind, row.value): row for row in rows}


async def typed_identities_of(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> set[tuple[str, str]]:
    """The values a customer typed on forms."""
    rows = await session.execute(
        select(CustomerIdentity.kind, CustomerIdentity.value).where(
            CustomerIdentity.tenant_id == tenant_id,
            CustomerIdentity.customer_id == customer_id,
            CustomerIdentity.typed.is_(True),
        )
    )
    return {(kind, value) for kind, value in rows}


async def get_suggestion(
    session: AsyncSession, tenant_id: uuid.UUID, suggestion_id: uuid.UUID, *, lock: bool = False
) -> MergeSuggestion | None:
    """A merge suggestion of a tenant, locked until the transaction ends if asked."""
    query = select(MergeSuggestion).where(
        MergeSuggestion.tenant_id == tenant_id, MergeSuggestion.id == suggestion_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def find_suggestion(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, candidate_id: uuid.UUID
) -> MergeSuggestion | None:
    """The suggestion that a customer is another, if one was made."""
    return await session.scalar(
        select(MergeSuggestion).where(
            MergeSuggestion.tenant_id == tenant_id,
            MergeSuggestion.customer_id == customer_id,
            MergeSuggestion.candidate_id == candidate_id,
        )
    )


async def suggestions_of(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    statuses: Sequence[str],
) -> list[MergeSuggestion]:
    """The suggestions a customer takes part in, either side, newest first."""
    rows = await session.scalars(
        select(MergeSuggestion)
        .where(
            MergeSuggestion.tenant_id == tenant_id,
            or_(
                MergeSuggestion.customer_id == customer_id,
                MergeSuggestion.candidate_id == customer_id,
            ),
            MergeSuggestion.status.in_(statuses),
        )
        .order_by(MergeSuggestion.id.desc())
    )
    return list(rows)


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


async def get_customer_for_update(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer | None:
    """A customer of a tenant, locked until the transaction ends (PostgreSQL)."""
    return await session.scalar(
        select(Customer)
        .where(Customer.tenant_id == tenant_id, Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def get_identity(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, identity_id: uuid.UUID
) -> CustomerIdentity | None:
    """One identity of one customer of a tenant."""
    return await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.tenant_id == tenant_id,
            CustomerIdentity.customer_id == customer_id,
            CustomerIdentity.id == identity_id,
        )
    )


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_customers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    name: str | None = None,
    identity: tuple[str, str] | None = None,
    include_merged: bool = False,
) -> list[Customer]:
    """A page of a tenant's customers in id (creation) order, optionally filtered."""
    query = select(Customer).where(Customer.tenant_id == tenant_id)
    if not include_merged:
        query = query.where(Customer.merged_into_id.is_(None))
    if after is not None:
        query = query.where(Customer.id > after)
    if name:
        query = query.where(Customer.display_name.ilike(_like_pattern(name), escape="\\"))
    if identity is not None:
        kind, value = identity
        holders = select(CustomerIdentity.customer_id).where(
            CustomerIdentity.tenant_id == tenant_id,
            CustomerIdentity.kind == kind,
            CustomerIdentity.value == value,
        )
        query = query.where(Customer.id.in_(holders))
    return list(await session.scalars(query.order_by(Customer.id).limit(limit)))


async def get_merge(
    session: AsyncSession, tenant_id: uuid.UUID, merge_id: uuid.UUID, *, lock: bool = False
) -> CustomerMerge | None:
    """A merge of a tenant, locked until the transaction ends if asked (PostgreSQL)."""
    query = select(CustomerMerge).where(
        CustomerMerge.tenant_id == tenant_id, CustomerMerge.id == merge_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def merges_of(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> list[CustomerMerge]:
    """The merges a customer took part in, as source or target, newest first."""
    rows = await session.scalars(
        select(CustomerMerge)
        .where(
            CustomerMerge.tenant_id == tenant_id,
            or_(CustomerMerge.source_id == customer_id, CustomerMerge.target_id == customer_id),
        )
        .order_by(CustomerMerge.id.desc())
    )
    return list(rows)


async def get_customers(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """Several customers of a tenant by id."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.id.in_(set(ids)))
    )
    return {row.id: row for row in rows}
