"""Queries of the e-mail channel: its account, and the latest e-mail of a case's thread."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import ChannelAccount, Direction, Interaction, Message


async def get_account(
    session: AsyncSession, tenant_id: uuid.UUID, name: str
) -> ChannelAccount | None:
    """The tenant's channel account of this name, of any kind."""
    return await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == tenant_id, ChannelAccount.name == name
        )
    )


async def latest_thread_message(
    session: AsyncSession, tenant_id: uuid.UUID, case_id: uuid.UUID, channel: str
) -> tuple[Message, Interaction] | None:
    """The case's latest e-mail that has a Message-ID (either way), with its interaction."""
    row = (
        await session.execute(
            select(Message, Interaction)
            .join(Interaction, Interaction.id == Message.interaction_id)
            .where(
                Interaction.tenant_id == tenant_id,
                Interaction.case_id == case_id,
                Message.channel == channel,
                Message.internal.is_(False),
                Message.external_id.is_not(None),
                Message.direction.in_((Direction.INBOUND, Direction.OUTBOUND)),
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None
