"""Background work of channels: sending outbound messages through their adapter."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.channels.base import AccountConfig, OutboundMessage, SendFailed
from omniline.channels.registry import ChannelRegistry
from omniline.customers import service as customers
from omniline.customers.service import IdentityClaim
from omniline.jobs.worker import Handler
from omniline.models import ChannelAccount, DeliveryStatus, Interaction, Message


def send_message_handler(
    sessions: async_sessionmaker[AsyncSession], channels: ChannelRegistry
) -> Handler:
    """The `messages.send` job: send one queued outbound message; safe to run twice."""

    async def handle(payload: dict[str, Any]) -> None:
        async with sessions() as session:
            message = await session.get(Message, uuid.UUID(payload["message_id"]))
            if message is None or message.delivery_status != DeliveryStatus.QUEUED:
                return  # gone, or already sent by an earlier run
            interaction = await session.get(Interaction, message.interaction_id)
            assert interaction is not None
            account = await _account(session, interaction)
            outbound = await _outbound(session, message, interaction)
            adapter = channels.get(account.kind)
            try:
                result = await adapter.send(account, outbound)
            except SendFailed as exc:
                message.delivery_error = str(exc)
                if exc.retry:
                    await session.commit()
                    raise
                message.delivery_status = DeliveryStatus.FAILED
                await session.commit()
                return
            message.delivery_status = (
                DeliveryStatus.DELIVERED if result.delivered else DeliveryStatus.SENT
            )
            message.delivery_error = None
            if result.external_id and message.external_id is None:
                message.external_id = result.external_id
            await session.commit()

    return handle


async def _account(session: AsyncSession, interaction: Interaction) -> AccountConfig:
    """The channel account an interaction's channel name points at; the API channel if none."""
    row = await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == interaction.tenant_id,
            ChannelAccount.name == interaction.channel,
        )
    )
    if row is None:
        return AccountConfig(interaction.tenant_id, interaction.channel, "api")
    return AccountConfig(row.tenant_id, row.name, row.kind, dict(row.config), row.secret)


async def _outbound(
    session: AsyncSession, message: Message, interaction: Interaction
) -> OutboundMessage:
    identities = await customers.identities_of(session, [interaction.customer_id])
    return OutboundMessage(
        tenant_id=message.tenant_id,
        message_id=message.id,
        interaction_id=interaction.id,
        channel=interaction.channel,
        recipients=[IdentityClaim(i.kind, i.value) for i in identities],
        body=message.body,
        content_type=message.content_type,
        attachments=list(message.attachments),
        thread_ref=interaction.thread_ref,
    )
