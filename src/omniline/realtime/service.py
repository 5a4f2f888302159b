"""Who may follow a tenant's event stream, and the stream read as pages."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.auth import service as auth
from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.realtime import repository
from omniline.realtime.bus import EventView


async def access_stream(
    sessions: async_sessionmaker[AsyncSession], token: str, tenant_ref: str, ip: str | None
) -> TenantAccess:
    """The caller's access to a tenant's events, checked in a short session of its own.

    Raises Unauthorized (bad token), NotFound (not in the tenant) or Forbidden (no events.read).
    """
    async with sessions() as session:
        principal = await auth.authenticate(session, token, ip)
        access = await auth.access_tenant(session, principal, tenant_ref)
        access.require(Permission.EVENTS_READ)
        await session.commit()  # authenticating may note when an API token was last used
    return access


async def list_events(
    session: AsyncSession, tenant_id: uuid.UUID, *, after: int, limit: int
) -> list[EventView]:
    """Up to `limit` events of a tenant after an event id, in order."""
    rows = await repository.events_after(session, tenant_id, after, limit=limit)
    return [EventView.of(row) for row in rows]


async def newest_event_id(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """The id of the tenant's newest committed event."""
    return await repository.head_seq(session, tenant_id)
