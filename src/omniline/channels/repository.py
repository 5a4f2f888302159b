"""Queries of channel accounts."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import ChannelAccount


async def account_channels(session: AsyncSession, tenant_id: uuid.UUID) -> set[str]:
    """The names and kinds of the tenant's enabled channel accounts."""
    rows = await session.execute(
        select(ChannelAccount.name, ChannelAccount.kind).where(
            ChannelAccount.tenant_id == tenant_id, ChannelAccount.enabled.is_(True)
        )
    )
    return {value for row in rows for value in row}
