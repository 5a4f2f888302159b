"""The API channel end to end: identity, customer, case, interaction, message."""

import uuid

import httpx

from omniline.models import InboundFailure
from omniline.runtime import Runtime
from tests.conftest import World


def payload(external_id: str, email: str = "ada@example.com", **extra: object) -> dict[str, object]:
    return {
        "channel": "webform",
        "external_id": external_id,
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": email}]},
        "body": "My card is blocked",
        **extra,
    }


async def test_first_message_opens_customer_case_and_interaction(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["duplicate"] is False
    assert body["new_case"] is True
    assert body["new_interaction"] is True
    assert body["case_number"] == 1


async def test_same_external_id_twice_stores_one_message(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    second = await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["message_id"] == first.json()["message_id"]


async def test_returning_customer_joins_open_interaction_and_case(
    client: httpx.AsyncClient, world: World
) -> None:
    first = (
        await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    ).json()
    again = await client.post(
        "/api/v1/inbound", json=payload("m2", email="ADA@Example.com"), headers=world.auth("api")
    )
    assert again.json()["customer_id"] == first["customer_id"]
    assert again.json()["case_id"] == first["case_id"]
    assert again.json()["interaction_id"] == first["interaction_id"]


async def test_unreadable_payload_is_kept_and_refused_with_a_reason(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/inbound", content=b'{"channel": "webform", "oops"', headers=world.auth("api")
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "kept as failure" in error["message"]
    assert error["details"]["failure_id"]


async def test_a_payload_that_is_not_utf8_is_kept_byte_exact(
    runtime: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    raw = b'{"channel": "webform", "body": "caf\xe9 \xff\xfe\x00 \xc3\x28"}'
    response = await client.post(
        "/api/v1/inbound",
        content=raw,
        headers={**world.auth("api"), "Content-Type": "application/json; charset=latin-1"},
    )
    assert response.status_code == 422
    failure_id = uuid.UUID(response.json()["error"]["details"]["failure_id"])
    async with runtime.sessions() as session:
        kept = await session.get(InboundFailure, failure_id)
    assert kept is not None
    assert (kept.tenant_id, kept.channel, kept.payload) == (world.tenant.id, "api", raw)
    assert kept.content_type == "application/json; charset=latin-1"


async def test_other_tenants_token_cannot_post_into_a_tenant(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/tenants/acme/inbound", json=payload("x"), headers=world.auth("other_api")
    )
    assert response.status_code == 404
