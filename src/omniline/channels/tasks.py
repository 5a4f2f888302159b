"""Background work of channels: sending outbound messages through their adapter.

The database is read in one short session and the outcome written in another, so that no
transaction (and, on SQLite, no connection) is held while a provider is being called.
"""

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.channels.base import AccountConfig, OutboundMessage, SendFailed, SendResult
from omniline.channels.registry import ChannelRegistry
from omniline.customers import service as customers
from omniline.customers.service import IdentityClaim
from omniline.jobs.worker import Handler, current_attempt
from omniline.journal.work import Work
from omniline.kit.errors import NotFound
from omniline.models import ChannelAccount, DeliveryStatus, Interaction, Message


def send_message_handler(
    sessions: async_sessionmaker[AsyncSession],
    new_work: Callable[[], Work],
    channels: ChannelRegistry,
) -> Handler:
    """The `messages.send` job: send one queued outbound message; safe to run twice.

    The outcome is an event (`message.delivery_changed`), so the desk sees it live.
    """

    async def handle(payload: dict[str, Any]) -> None:
        message_id = uuid.UUID(str(payload["message_id"]))
        async with sessions() as session:
            prepared = await _prepare(session, message_id, channels)
        if prepared is None:
            return  # gone, or already sent by an earlier run
        account, outbound = prepared
        try:
            result = await _send(channels, account, outbound)
        except SendFailed as exc:
            attempt = current_attempt()
            give_up = not exc.retry or (attempt is not None and attempt.last)
            await _record_failure(new_work, message_id, str(exc), give_up=give_up)
            if not give_up:
                raise
            return
        await _record_sent(new_work, message_id, result)

    return handle


async def _send(
    channels: ChannelRegistry, account: AccountConfig, outbound: OutboundMessage
) -> SendResult:
    try:
        adapter = channels.get(account.kind)
    except NotFound as exc:  # an adapter missing from this installation may come with an upgrade
        raise SendFailed(f"channel '{account.name}': {exc.message}") from exc
    return await adapter.send(account, outbound)


async def _prepare(
    session: AsyncSession, message_id: uuid.UUID, channels: ChannelRegistry
) -> tuple[AccountConfig, OutboundMessage] | None:
    message = await session.get(Message, message_id)
    if message is None or message.delivery_status != DeliveryStatus.QUEUED:
        return None
    interaction = await session.get(Interaction, message.interaction_id)
    if interaction is None or interaction.tenant_id != message.tenant_id:
        return None
    account = await _account(session, interaction, channels)
    return account, await _outbound(session, message, interaction)


async def _record_sent(
    new_work: Callable[[], Work], message_id: uuid.UUID, result: SendResult
) -> None:
    work = new_work()
    try:
        message = await work.session.get(Message, message_id)
        if message is None or message.delivery_status != DeliveryStatus.QUEUED:
            return  # another run recorded it first
        message.delivery_status = (
            DeliveryStatus.DELIVERED if result.delivered else DeliveryStatus.SENT
        )
        message.delivery_error = None
        if result.external_id and message.external_id is None:
            message.external_id = result.external_id[:300]
        await _announce(work, message)
        await work.commit()
    finally:
        await work.session.close()


async def _record_failure(
    new_work: Callable[[], Work], message_id: uuid.UUID, error: str, *, give_up: bool
) -> None:
    work = new_work()
    try:
        message = await work.session.get(Message, message_id)
        if message is None or message.delivery_status != DeliveryStatus.QUEUED:
            return
        message.delivery_error = error[:2000]
        if give_up:
            message.delivery_status = DeliveryStatus.FAILED
            await _announce(work, message)
        await work.commit()
    finally:
        await work.session.close()


async def _announce(work: Work, message: Message) -> None:
    interaction = await work.session.get(Interaction, message.interaction_id)
    assert interaction is not None
    work.emit(
        message.tenant_id,
        "message.delivery_changed",
        {
            "message_id": message.id,
            "status": message.delivery_status,
            "error": message.delivery_error,
        },
        customer_id=interaction.customer_id,
        case_id=interaction.case_id,
        interaction_id=interaction.id,
    )


async def _account(
    session: AsyncSession, interaction: Interaction, channels: ChannelRegistry
) -> AccountConfig:
    """The channel account an interaction's channel name points at. Without one, a channel
    named after an adapter is that adapter's with no settings (it says what is missing, as
    e-mail whose account was removed must not pass for sent), any other the API channel."""
    row = await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == interaction.tenant_id,
            ChannelAccount.name == interaction.channel,
        )
    )
    if row is None:
        kind = interaction.channel if interaction.channel in channels.kinds() else "api"
        return AccountConfig(interaction.tenant_id, interaction.channel, kind)
    return AccountConfig(row.tenant_id, row.name, row.kind, dict(row.config), row.secret)


async def _outbound(
    session: AsyncSession, message: Message, interaction: Interaction
) -> OutboundMessage:
    headers = dict(message.headers or {})
    return OutboundMessage(
        tenant_id=message.tenant_id,
        message_id=message.id,
        interaction_id=interaction.id,
        channel=interaction.channel,
        recipients=await _recipients(session, interaction, headers),
        body=message.body,
        content_type=message.content_type,
        attachments=list(message.attachments),
        thread_ref=interaction.thread_ref,
        subject=str(headers.get("subject") or interaction.subject),
        external_id=message.external_id,
        references=[str(r) for r in headers.get("references", [])],
    )


async def _recipients(
    session: AsyncSession, interaction: Interaction, headers: dict[str, Any]
) -> list[IdentityClaim]:
    """Whom the message was addressed to when it was written, else every identity of the
    customer (the adapter picks the ones its channel reaches)."""
    chosen = headers.get("to")
    if chosen:
        return [IdentityClaim(str(r["kind"]), str(r["value"])) for r in chosen]
    identities = await customers.identities_of(session, [interaction.customer_id])
    return [IdentityClaim(i.kind, i.value) for i in identities]
