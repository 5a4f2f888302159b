"""Setting up a conversation with a queued agent reply, as the reply endpoint would."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from omniline.interactions import service as interactions
from omniline.interactions.service import NewMessage
from omniline.kit.ids import new_id
from omniline.models import AuthorKind, ChannelAccount, Direction, Job, Message, Tenant
from omniline.runtime import Runtime
from tests.conftest import World


async def add_account(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    *,
    kind: str,
    name: str,
    config: dict[str, Any] | None = None,
    secret: str | None = None,
) -> None:
    """Configure a channel account of a tenant."""
    async with runtime.sessions() as session, session.begin():
        session.add(
            ChannelAccount(
                id=new_id(),
                tenant_id=tenant_id,
                kind=kind,
                name=name,
                config=config or {},
                secret=secret,
            )
        )


async def open_conversation(client: httpx.AsyncClient, world: World, channel: str) -> uuid.UUID:
    """A customer writes in on a channel; returns the interaction."""
    payload = {
        "channel": channel,
        "external_id": f"in-{new_id()}",
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": "ada@example.com"}]},
        "body": "My card is blocked",
        "thread": "t-1",
    }
    response = await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["interaction_id"])


async def queue_reply(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    body: str,
    author_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """An agent's reply stored and its `messages.send` job enqueued in one transaction."""
    work = runtime.work()
    try:
        tenant = await work.session.get(Tenant, tenant_id)
        assert tenant is not None
        interaction = await interactions.get_interaction_or_raise(work, tenant, interaction_id)
        message = interactions.add_message(
            work,
            tenant,
            interaction,
            NewMessage(
                direction=Direction.OUTBOUND,
                author_kind=AuthorKind.AGENT,
                body=body,
                author_id=author_id,
            ),
        )
        job = work.enqueue("messages.send", {"message_id": message.id})
        await work.commit()
        return message.id, job.id
    finally:
        await work.session.close()


async def load_message(runtime: Runtime, message_id: uuid.UUID) -> Message:
    """A fresh copy of a message."""
    async with runtime.sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message


async def jobs_of(runtime: Runtime, kind: str) -> list[Job]:
    """Every job of a kind."""
    async with runtime.sessions() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))
