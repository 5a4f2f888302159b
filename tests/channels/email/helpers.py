"""Setting a tenant's e-mail up and writing a conversation to summarise, through the API."""

import uuid
from typing import Any

import httpx

from omniline.kit.ids import new_id
from tests.channels.email.smtp import PASSWORD, USER, SmtpServer
from tests.conftest import World

FROM = "support@acme.test"


def account(server: SmtpServer, **changes: Any) -> dict[str, Any]:
    """Settings that reach the test server with STARTTLS and a login."""
    return {
        "from_address": FROM,
        "from_name": "Acme Support",
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": "starttls",
        "smtp_username": USER,
        "smtp_password": PASSWORD,
        **changes,
    }


async def configure(
    client: httpx.AsyncClient, world: World, server: SmtpServer, **changes: Any
) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/tenants/{world.tenant.slug}/email",
        json=account(server, **changes),
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def inbound(
    client: httpx.AsyncClient,
    world: World,
    body: str,
    identities: list[dict[str, str]] | None = None,
    thread: str = "chat-1",
) -> uuid.UUID:
    """The customer writes in through the API channel; returns the interaction."""
    payload = {
        "channel": "webform",
        "external_id": f"in-{new_id()}",
        "sender": {
            "name": "Ada Lovelace",
            "identities": identities or [{"kind": "email", "value": "ada@example.com"}],
        },
        "body": body,
        "thread": thread,
    }
    response = await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["interaction_id"])


async def say(
    client: httpx.AsyncClient, world: World, interaction_id: uuid.UUID, body: str, **extra: Any
) -> None:
    """The agent answers (or notes, with internal=True)."""
    response = await client.post(
        f"/api/v1/tenants/{world.tenant.slug}/interactions/{interaction_id}/messages",
        json={"body": body, **extra},
        headers=world.auth("agent"),
    )
    assert response.status_code == 201, response.text


def summary_url(world: World, interaction_id: uuid.UUID, tenant: str | None = None) -> str:
    slug = tenant or world.tenant.slug
    return f"/api/v1/tenants/{slug}/interactions/{interaction_id}/email-summary"
