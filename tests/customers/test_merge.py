"""Merging two customers and undoing the merge, exactly."""

import uuid

import httpx
from sqlalchemy import select

from omniline.models import Case, CustomerIdentity, Interaction, Message
from omniline.runtime import Runtime
from tests.conftest import World
from tests.customers.helpers import BASE, PHONE, audit_entries, create_customer, events, inbound


async def owners(runtime: Runtime) -> dict[str, dict[str, str]]:
    """Who owns every identity, case and interaction (and which interaction each message is in)."""
    async with runtime.sessions() as session:
        identities = await session.execute(
            select(CustomerIdentity.id, CustomerIdentity.customer_id)
        )
        cases = await session.execute(select(Case.id, Case.customer_id))
        interactions = await session.execute(select(Interaction.id, Interaction.customer_id))
        messages = await session.execute(select(Message.id, Message.interaction_id))
        return {
            name: {str(a): str(b) for a, b in rows}
            for name, rows in (
                ("identities", identities),
                ("cases", cases),
                ("interactions", interactions),
                ("messages", messages),
            )
        }


async def two_customers(client: httpx.AsyncClient, world: World) -> tuple[dict[str, str], ...]:
    """Ada writes by e-mail, then 'someone' by phone: two customers, each with a case."""
    ada = await inbound(client, world, "m1", "email", "ada@example.com")
    phone = await inbound(client, world, "m2", "phone", PHONE)
    assert ada["customer_id"] != phone["customer_id"]
    return ada, phone


async def merge(
    client: httpx.AsyncClient, world: World, target: str, source: str, who: str = "supervisor"
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{target}/merge", json={"source_id": source}, headers=world.auth(who)
    )


async def test_merge_then_undo_restores_exactly(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    ada, phone = await two_customers(client, world)
    target, source = ada["customer_id"], phone["customer_id"]
    before = await owners(runtime)

    response = await merge(client, world, target, source)
    assert response.status_code == 201, response.text
    merged = response.json()
    assert merged["moved"]["cases"] == [phone["case_id"]]
    assert merged["moved"]["interactions"] == [phone["interaction_id"]]
    assert len(merged["moved"]["identities"]) == 1
    assert merged["merged_by"] == str(world.users["supervisor"].id)
    during = await owners(runtime)
    for name in ("identities", "cases", "interactions"):
        assert set(during[name].values()) == {target}
    assert during["messages"] == before["messages"]  # messages follow their interactions
    got = (await client.get(f"{BASE}/{source}", headers=world.auth("agent"))).json()
    assert got["merged_into_id"] == target
    assert got["identities"] == []
    listed = (await client.get(BASE, headers=world.auth("agent"))).json()["items"]
    assert [c["id"] for c in listed] == [target]  # merged customers leave the list

    # the target gains an identity after the merge: it stays with the target on undo
    later = await client.post(
        f"{BASE}/{target}/identities",
        json={"kind": "vk", "value": "42"},
        headers=world.auth("agent"),
    )
    assert later.status_code == 201
    undo = await client.post(f"{BASE}/merges/{merged['id']}/undo", headers=world.auth("supervisor"))
    assert undo.status_code == 200, undo.text
    assert undo.json()["undone_at"] is not None
    after = await owners(runtime)
    later_id = next(i["id"] for i in later.json()["identities"] if i["kind"] == "vk")
    assert after["identities"].pop(later_id) == target
    assert after == before
    got = (await client.get(f"{BASE}/{source}", headers=world.auth("agent"))).json()
    assert got["merged_into_id"] is None

    [merged_event] = await events(runtime, "customer.merged")
    assert merged_event.data["source_id"] == source
    assert merged_event.data["moved"] == {"identities": 1, "cases": 1, "interactions": 1}
    [undone_event] = await events(runtime, "customer.merge_undone")
    assert str(undone_event.customer_id) == target
    [audit] = await audit_entries(runtime, "customer.merged")
    assert audit.data["moved"] == merged["moved"]
    assert len(await audit_entries(runtime, "customer.merge_undone")) == 1


async def test_an_identity_resolves_to_the_target_after_merge(
    client: httpx.AsyncClient, world: World
) -> None:
    ada, phone = await two_customers(client, world)
    target, source = ada["customer_id"], phone["customer_id"]
    assert (await merge(client, world, target, source)).status_code == 201
    by_phone = await inbound(client, world, "m3", "phone", "020 7946 0958")
    assert by_phone["customer_id"] == target
    by_mail = await inbound(client, world, "m4", "email", "ADA@example.com")
    assert by_mail["customer_id"] == target
    found = await client.get(
        BASE, params={"identity": f"phone:{PHONE}"}, headers=world.auth("agent")
    )
    assert [c["id"] for c in found.json()["items"]] == [target]


async def test_merge_and_undo_refuse_what_cannot_be_done(
    client: httpx.AsyncClient, world: World
) -> None:
    ada, phone = await two_customers(client, world)
    target, source = ada["customer_id"], phone["customer_id"]
    third = (await create_customer(client, world, display_name="Third"))["id"]

    itself = await merge(client, world, target, target)
    assert itself.status_code == 422
    assert "itself" in itself.json()["error"]["message"]
    assert (await merge(client, world, target, source, who="agent")).status_code == 403
    missing = await merge(client, world, target, str(uuid.uuid4()))
    assert missing.status_code == 404

    merged = (await merge(client, world, target, source)).json()
    twice = await merge(client, world, third, source)
    assert twice.status_code == 409
    assert "already merged" in twice.json()["error"]["message"]
    into_merged = await merge(client, world, source, third)
    assert into_merged.status_code == 409
    changed = await client.patch(
        f"{BASE}/{source}", json={"display_name": "x"}, headers=world.auth("agent")
    )
    assert changed.status_code == 409

    # the target merged on into a third customer: the later merge must be undone first
    onward = (await merge(client, world, third, target)).json()
    undo_url = f"{BASE}/merges/{merged['id']}/undo"
    blocked = await client.post(undo_url, headers=world.auth("supervisor"))
    assert blocked.status_code == 409
    assert "undo that later merge first" in blocked.json()["error"]["message"]
    onward_undo = await client.post(
        f"{BASE}/merges/{onward['id']}/undo", headers=world.auth("supervisor")
    )
    assert onward_undo.status_code == 200
    assert (await client.post(undo_url, headers=world.auth("supervisor"))).status_code == 200
    again = await client.post(undo_url, headers=world.auth("supervisor"))
    assert again.status_code == 409
    assert "already undone" in again.json()["error"]["message"]

    history = await client.get(f"{BASE}/{target}/merges", headers=world.auth("agent"))
    assert [m["id"] for m in history.json()] == [onward["id"], merged["id"]]


async def test_other_tenants_cannot_merge_or_undo(client: httpx.AsyncClient, world: World) -> None:
    ada, phone = await two_customers(client, world)
    target, source = ada["customer_id"], phone["customer_id"]
    merged = (await merge(client, world, target, source)).json()
    globex = "/api/v1/tenants/globex/customers"
    other = await client.post(
        f"{globex}/{target}/merge", json={"source_id": source}, headers=world.auth("other_admin")
    )
    assert other.status_code == 404
    undo = await client.post(
        f"{globex}/merges/{merged['id']}/undo", headers=world.auth("other_admin")
    )
    assert undo.status_code == 404
    # a globex customer cannot be pulled into an acme customer either
    theirs = await client.post(
        globex, json={"display_name": "G"}, headers=world.auth("other_admin")
    )
    pulled = await merge(client, world, target, theirs.json()["id"])
    assert pulled.status_code == 404
