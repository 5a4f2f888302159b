"""Setting a tenant's web chat up and talking to it as a visitor's browser would."""

from typing import Any

import httpx

from tests.conftest import World

SHOP = "https://shop.example"
CHAT = "/api/v1/chat/acme"
ADMIN = "/api/v1/tenants/acme/webchat"


async def enable(client: httpx.AsyncClient, world: World, **settings: Any) -> dict[str, Any]:
    """Switch the chat on for acme, allowing https://shop.example; returns the settings."""
    body = {"enabled": True, "allowed_origins": [SHOP], **settings}
    response = await client.put(ADMIN, json=body, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


def visitor(token: str | None = None, origin: str = SHOP) -> dict[str, str]:
    """Headers of a browser on the shop's page (with the conversation token, if any)."""
    headers = {"Origin": origin}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def start(
    client: httpx.AsyncClient, message: str = "Hello, my card is blocked", **form: Any
) -> dict[str, Any]:
    """Start a chat as a visitor; returns the answer (token, status, first message)."""
    body = {"name": "Ada", "message": message, **form}
    response = await client.post(f"{CHAT}/start", json=body, headers=visitor())
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


async def interaction_of(client: httpx.AsyncClient, world: World, token: str) -> dict[str, Any]:
    """The interaction a visitor's chat is, as staff see it (found by its first message)."""
    history = await client.get(f"{CHAT}/messages", headers=visitor(token))
    assert history.status_code == 200, history.text
    first = history.json()["messages"][0]["id"]
    listed = await client.get(
        "/api/v1/tenants/acme/interactions",
        params={"channel": "webchat", "limit": 200},
        headers=world.auth("admin"),
    )
    for row in listed.json()["items"]:
        messages = await client.get(
            f"/api/v1/tenants/acme/interactions/{row['id']}/messages", headers=world.auth("admin")
        )
        if any(m["id"] == first for m in messages.json()["items"]):
            return dict(row)
    raise AssertionError("no interaction holds the chat's first message")


async def offer_callbacks(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """A voice queue for the callbacks customers ask for, set as the tenant's callback queue."""
    tenant = f"/api/v1/tenants/{world.tenant.slug}"
    queue = await client.post(
        f"{tenant}/queues", json={"name": "callbacks", "channels": ["voice"], "calendar": {}},
        headers=world.auth("admin"),
    )  # fmt: skip
    assert queue.status_code == 201, queue.text
    made = await client.patch(
        tenant, json={"callback_queue_id": queue.json()["id"]}, headers=world.auth("admin")
    )
    assert made.status_code == 200, made.text
    return dict(queue.json())
