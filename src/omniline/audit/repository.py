"""Every query of the audit log."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import AuditEntry, Tenant


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to narrow a chain's entries to; None means any."""

    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_id: str | None = None


async def list_entries(
    session: AsyncSession,
    stream: str,
    where: AuditFilter,
    *,
    after: int | None,
    limit: int,
    newest_first: bool = False,
) -> list[AuditEntry]:
    """A page of one chain's entries in sequence order, starting past `after`."""
    query = select(AuditEntry).where(AuditEntry.stream == stream)
    for column, value in (
        (AuditEntry.action, where.action),
        (AuditEntry.object_type, where.object_type),
        (AuditEntry.object_id, where.object_id),
        (AuditEntry.actor_id, where.actor_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(AuditEntry.seq < after if newest_first else AuditEntry.seq > after)
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq
    return list(await session.scalars(query.order_by(order).limit(limit)))


async def tenant_slugs(session: AsyncSession) -> dict[str, str]:
    """Each tenant's slug by its chain's stream name (the tenant id as text)."""
    rows = await session.execute(select(Tenant.id, Tenant.slug))
    return {str(tenant_id): slug for tenant_id, slug in rows}
