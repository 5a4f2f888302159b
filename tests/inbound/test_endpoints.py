"""The API channel end to end: identity, customer, case, interaction, message."""

import uuid

import httpx

from omniline.kit.ids import new_id
from omniline.models import ChannelAccount, InboundFailure
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


async def test_a_reused_external_id_with_another_payload_is_a_conflict(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    other = payload("m1", body="Another message entirely")
    reused = await client.post("/api/v1/inbound", json=other, headers=world.auth("api"))
    assert reused.status_code == 409, reused.text
    error = reused.json()["error"]
    assert "already used for another message" in error["message"]
    assert error["details"]["message_id"] == first.json()["message_id"]
    again = await client.post("/api/v1/inbound", json=payload("m1"), headers=world.auth("api"))
    assert again.status_code == 200
    assert again.json()["duplicate"] is True


async def test_unknown_fields_are_refused(client: httpx.AsyncClient, world: World) -> None:
    for doc in (
        payload("m1", priority="high"),
        {**payload("m1"), "sender": {"identities": [{"kind": "email", "value": "a@b.c"}], "x": 1}},
    ):
        response = await client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))
        assert response.status_code == 422, response.text
        assert "Extra inputs are not permitted" in response.json()["error"]["message"]


async def test_an_unknown_channel_is_refused_with_the_tenants_channels(
    client: httpx.AsyncClient, world: World
) -> None:
    doc = payload("m1", channel="carrier-pigeon")
    response = await client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "'carrier-pigeon' is not a channel of this tenant" in error["message"]
    assert {"webform", "email", "branch"} <= set(error["details"]["channels"])
    listed = await client.get("/api/v1/tenants/acme/interactions", headers=world.auth("admin"))
    assert listed.json()["items"] == []


async def test_a_channel_account_adds_a_channel(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    async with runtime.sessions() as session:
        session.add(
            ChannelAccount(id=new_id(), tenant_id=world.tenant.id, kind="api", name="pigeons")
        )
        await session.commit()
    doc = payload("m1", channel="pigeons")
    response = await client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))
    assert response.status_code == 200, response.text


async def test_staff_registering_a_visit_are_its_authors(
    client: httpx.AsyncClient, world: World
) -> None:
    doc = payload("visit-1", channel="branch", body="Came with an ID")
    response = await client.post(
        "/api/v1/tenants/acme/inbound", json=doc, headers=world.auth("agent")
    )
    assert response.status_code == 200, response.text
    interaction_id = response.json()["interaction_id"]
    messages = await client.get(
        f"/api/v1/tenants/acme/interactions/{interaction_id}/messages", headers=world.auth("agent")
    )
    [message] = messages.json()["items"]
    assert message["author_kind"] == "staff"
    assert message["author_id"] == str(world.users["agent"].id)
    by_form = await client.post("/api/v1/inbound", json=payload("m2"), headers=world.auth("api"))
    interaction_id = by_form.json()["interaction_id"]
    messages = await client.get(
        f"/api/v1/tenants/acme/interactions/{interaction_id}/messages", headers=world.auth("agent")
    )
    assert [m["author_kind"] for m in messages.json()["items"]] == ["customer"]
