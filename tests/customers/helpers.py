"""Shared steps of the customers tests."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from omniline.models import AuditEntry, Event
from omniline.runtime import Runtime
from tests.conftest import World

BASE = "/api/v1/tenants/acme/customers"
PHONE = "+44 20 7946 0958"


async def create_customer(
    client: httpx.AsyncClient, world: World, who: str = "admin", **fields: Any
) -> dict[str, Any]:
    """Create a customer through the API and return the (masked) answer."""
    body = {"display_name": "Ada Lovelace", **fields}
    response = await client.post(BASE, json=body, headers=world.auth(who))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def inbound(
    client: httpx.AsyncClient, world: World, external_id: str, kind: str, value: str
) -> dict[str, Any]:
    """Post a message from one identity through the API channel; returns where it landed."""
    payload = {
        "channel": "webform",
        "external_id": external_id,
        "sender": {"name": "Someone", "identities": [{"kind": kind, "value": value}]},
        "body": "hello",
    }
    response = await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))
    assert response.status_code == 200, response.text
    landed: dict[str, Any] = response.json()
    return landed


async def audit_entries(runtime: Runtime, action: str) -> list[AuditEntry]:
    """Audit entries of one action, oldest first."""
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
        return list(rows)


async def events(runtime: Runtime, kind: str) -> list[Event]:
    """Events of one kind, oldest first."""
    async with runtime.sessions() as session:
        rows = await session.scalars(select(Event).where(Event.kind == kind).order_by(Event.seq))
        return list(rows)


def user_id(world: World, who: str) -> str:
    """The id of one of the world's people, as the audit log writes it."""
    uid: uuid.UUID = world.users[who].id
    return str(uid)
