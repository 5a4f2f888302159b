"""The customers API: masking by role, audited reveals, changes, filters and isolation."""

from typing import Any

import httpx

from omniline.runtime import Runtime
from tests.conftest import World
from tests.customers.helpers import (
    BASE,
    PHONE,
    audit_entries,
    create_customer,
    events,
    user_id,
)

FULL: dict[str, Any] = {
    "language": "en",
    "vip": True,
    "address": "12 Baker Street, London",
    "documents": [{"kind": "passport", "number": "X1234567", "country": "GB"}],
    "identities": [
        {"kind": "email", "value": "Ada@Example.com"},
        {"kind": "phone", "value": PHONE},
        {"kind": "telegram", "value": "@ada_l"},
    ],
}


def values(answer: dict[str, Any]) -> dict[str, str]:
    return {i["kind"]: i["value"] for i in answer["identities"]}


async def test_answers_are_masked_by_default_even_for_admin(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    created = await create_customer(client, world, **FULL)
    assert values(created) == {
        "email": "a***@example.com",
        "phone": "+44********58",
        "telegram": "ada_l",
    }
    assert created["address"] == "***"
    assert created["documents"] == [{"kind": "passport", "number": "***", "country": None}]
    assert created["masked"] == ["address", "documents", "email", "phone"]
    assert created["revealed"] == []
    assert await audit_entries(runtime, "customer.pii_read") == []


async def test_agent_reveals_contacts_but_not_address_or_documents(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    created = await create_customer(client, world, **FULL)
    url = f"{BASE}/{created['id']}"
    masked = (await client.get(url, headers=world.auth("agent"))).json()
    assert values(masked)["email"] == "a***@example.com"
    assert [i["masked"] for i in masked["identities"]] == [True, True, False]

    response = await client.get(url, params={"reveal": "true"}, headers=world.auth("agent"))
    assert response.status_code == 200, response.text
    shown = response.json()
    assert values(shown) == {
        "email": "ada@example.com",
        "phone": "+442079460958",
        "telegram": "ada_l",
    }
    assert shown["address"] == "***"
    assert shown["documents"][0]["number"] == "***"
    assert shown["revealed"] == ["email", "phone"]
    assert shown["masked"] == ["address", "documents"]
    [entry] = await audit_entries(runtime, "customer.pii_read")
    assert entry.actor_id == user_id(world, "agent")
    assert entry.object_id == created["id"]
    assert entry.data == {"fields": ["email", "phone"]}


async def test_supervisor_reveal_of_address_writes_an_audit_row(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    created = await create_customer(client, world, **FULL)
    response = await client.get(
        f"{BASE}/{created['id']}", params={"reveal": "true"}, headers=world.auth("supervisor")
    )
    shown = response.json()
    assert shown["address"] == "12 Baker Street, London"
    assert shown["documents"][0]["number"] == "***"  # supervisors may not read documents
    [entry] = await audit_entries(runtime, "customer.pii_read")
    assert entry.actor_id == user_id(world, "supervisor")
    assert entry.actor_type == "user"
    assert "address" in entry.data["fields"]
    assert "documents" not in entry.data["fields"]


async def test_admin_reveals_everything_and_each_listed_customer_is_audited(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await create_customer(client, world, **FULL)
    await create_customer(
        client, world, display_name="Bo", identities=[{"kind": "vk", "value": "1"}]
    )
    page = (await client.get(BASE, params={"reveal": "true"}, headers=world.auth("admin"))).json()
    first, second = page["items"]
    assert first["documents"] == FULL["documents"]
    assert first["revealed"] == ["address", "documents", "email", "phone"]
    assert second["revealed"] == []  # nothing sensitive to show, nothing to audit
    [entry] = await audit_entries(runtime, "customer.pii_read")
    assert entry.object_id == first["id"]


async def test_planner_may_not_read_customers(client: httpx.AsyncClient, world: World) -> None:
    created = await create_customer(client, world)
    for url in (BASE, f"{BASE}/{created['id']}"):
        response = await client.get(url, headers=world.auth("planner"))
        assert response.status_code == 403
        assert "customers.read" in response.json()["error"]["message"]


async def test_create_emits_event_and_refuses_a_taken_identity(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    created = await create_customer(client, world, **FULL)
    [event] = await events(runtime, "customer.created")
    assert str(event.customer_id) == created["id"]
    assert "ada@example.com" not in str(event.data)  # events carry no personal data
    again = await client.post(
        BASE,
        json={"identities": [{"kind": "email", "value": "ADA@example.com "}]},
        headers=world.auth("admin"),
    )
    assert again.status_code == 409
    assert again.json()["error"]["details"]["customer_id"] == created["id"]


async def test_address_and_documents_need_pii_write(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    refused = await client.post(
        BASE, json={"display_name": "X", "address": "somewhere"}, headers=world.auth("agent")
    )
    assert refused.status_code == 403
    assert "pii.write" in refused.json()["error"]["message"]
    created = await create_customer(client, world, who="agent", documents=[], address=None)
    url = f"{BASE}/{created['id']}"
    patched = await client.patch(
        url,
        json={"display_name": "Ada K.", "vip": True, "notes": "prefers mail"},
        headers=world.auth("agent"),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["display_name"] == "Ada K."
    assert patched.json()["vip"] is True
    denied = await client.patch(url, json={"address": "x"}, headers=world.auth("agent"))
    assert denied.status_code == 403
    allowed = await client.patch(
        url,
        json={"address": "1 High St"},
        params={"reveal": "true"},
        headers=world.auth("supervisor"),
    )
    assert allowed.json()["address"] == "1 High St"
    updates = await events(runtime, "customer.updated")
    assert [e.data["fields"] for e in updates] == [["display_name", "notes", "vip"], ["address"]]


async def test_patch_refuses_null_for_required_fields(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await create_customer(client, world, address="x")
    url = f"{BASE}/{created['id']}"
    refused = await client.patch(url, json={"display_name": None}, headers=world.auth("admin"))
    assert refused.status_code == 422
    cleared = await client.patch(
        url, json={"address": None, "language": None}, headers=world.auth("admin")
    )
    assert cleared.status_code == 200
    assert cleared.json()["address"] is None
    unknown = await client.patch(url, json={"email": "x"}, headers=world.auth("admin"))
    assert unknown.status_code == 422


async def test_add_and_remove_identities(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    ada = await create_customer(client, world)
    bob = await create_customer(client, world, identities=[{"kind": "email", "value": "b@x.io"}])
    url = f"{BASE}/{ada['id']}/identities"
    added = await client.post(
        url,
        json={"kind": "whatsapp", "value": "020 7946 0958"},
        params={"reveal": "true"},
        headers=world.auth("agent"),
    )
    assert added.status_code == 201, added.text
    [identity] = added.json()["identities"]
    assert identity["value"] == "+442079460958"  # national number in the tenant's region
    taken = await client.post(
        url, json={"kind": "email", "value": "B@X.io"}, headers=world.auth("agent")
    )
    assert taken.status_code == 409
    assert "merge" in taken.json()["error"]["message"]
    removed = await client.delete(f"{url}/{identity['id']}", headers=world.auth("agent"))
    assert removed.status_code == 204
    again = await client.delete(f"{url}/{identity['id']}", headers=world.auth("agent"))
    assert again.status_code == 404
    bobs = bob["identities"][0]["id"]
    other = await client.delete(f"{url}/{bobs}", headers=world.auth("agent"))
    assert other.status_code == 404  # an identity of another customer is not this one's
    assert [e.data for e in await events(runtime, "customer.identity_added")] == [
        {"kind": "whatsapp"}
    ]
    assert [e.data for e in await events(runtime, "customer.identity_removed")] == [
        {"kind": "whatsapp"}
    ]


async def test_bad_phone_numbers_are_refused_with_422(
    client: httpx.AsyncClient, world: World
) -> None:
    for number in ("12", "call me maybe"):
        response = await client.post(
            BASE,
            json={"identities": [{"kind": "phone", "value": number}]},
            headers=world.auth("admin"),
        )
        assert response.status_code == 422, response.text
        assert number in response.json()["error"]["message"]
    created = await create_customer(client, world)
    added = await client.post(
        f"{BASE}/{created['id']}/identities",
        json={"kind": "phone", "value": "+1 2"},
        headers=world.auth("admin"),
    )
    assert added.status_code == 422
    search = await client.get(BASE, params={"identity": "phone:abc"}, headers=world.auth("admin"))
    assert search.status_code == 422


async def test_pagination_walks_every_customer_once(
    client: httpx.AsyncClient, world: World
) -> None:
    made = [(await create_customer(client, world, display_name=f"C{n}"))["id"] for n in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(BASE, params=params, headers=world.auth("agent"))).json()
        seen.extend(c["id"] for c in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made)
    assert pages == 3
    bad = await client.get(BASE, params={"cursor": "!!"}, headers=world.auth("agent"))
    assert bad.status_code == 422


async def test_filters_by_name_and_normalised_identity(
    client: httpx.AsyncClient, world: World
) -> None:
    ada = await create_customer(
        client, world, identities=[{"kind": "email", "value": "ada@example.com"}]
    )
    await create_customer(client, world, display_name="Charles 100%")

    async def names(**params: str) -> list[str]:
        response = await client.get(BASE, params=params, headers=world.auth("agent"))
        assert response.status_code == 200, response.text
        return [c["display_name"] for c in response.json()["items"]]

    assert await names(q="lovel") == ["Ada Lovelace"]
    assert await names(q="0%") == ["Charles 100%"]
    assert await names(q="_") == []
    assert await names(identity="email: ADA@Example.com") == ["Ada Lovelace"]
    assert await names(identity="email:nobody@example.com") == []
    found = await client.get(
        BASE, params={"identity": "email:ada@example.com"}, headers=world.auth("agent")
    )
    assert found.json()["items"][0]["id"] == ada["id"]
    for bad in ("ada@example.com", "fax:123"):
        response = await client.get(BASE, params={"identity": bad}, headers=world.auth("agent"))
        assert response.status_code == 422


async def test_the_identity_filter_needs_the_right_to_read_what_it_reveals(
    client: httpx.AsyncClient, world: World
) -> None:
    """Finding a customer by e-mail or phone tells who has that address or number: a
    caller who may not read e-mail addresses (or phones) may not search by them either."""
    await create_customer(client, world, **FULL)

    async def token(*scopes: str) -> dict[str, str]:
        made = await client.post(
            "/api/v1/tenants/acme/tokens", json={"name": "t", "scopes": list(scopes)},
            headers=world.auth("admin"),
        )  # fmt: skip
        return {"Authorization": f"Bearer {made.json()['token']}"}

    masked = await token("customers.read")
    emails = await token("customers.read", "pii.email.read")
    cases = [
        (masked, "email:ada@example.com", 403),
        (masked, f"phone:{PHONE}", 403),
        (masked, "telegram:@ada_l", 200),
        (emails, "email:ada@example.com", 200),
        (emails, f"phone:{PHONE}", 403),
    ]
    for headers, identity, status in cases:
        response = await client.get(BASE, params={"identity": identity}, headers=headers)
        assert response.status_code == status, (identity, response.text)
    refused = await client.get(BASE, params={"identity": f"phone:{PHONE}"}, headers=emails)
    assert "pii.phone.read" in refused.json()["error"]["message"]


async def test_other_tenants_cannot_see_customers(client: httpx.AsyncClient, world: World) -> None:
    created = await create_customer(client, world, **FULL)
    acme_id = created["id"]
    for who in ("other_admin", "other_api"):
        own = await client.get(
            f"/api/v1/tenants/globex/customers/{acme_id}", headers=world.auth(who)
        )
        assert own.status_code == 404
        theirs = await client.get(f"{BASE}/{acme_id}", headers=world.auth(who))
        assert theirs.status_code == 404
    patch = await client.patch(
        f"/api/v1/tenants/globex/customers/{acme_id}",
        json={"vip": False},
        headers=world.auth("other_admin"),
    )
    assert patch.status_code == 404
    listed = await client.get(
        "/api/v1/tenants/globex/customers",
        params={"identity": "email:ada@example.com"},
        headers=world.auth("other_admin"),
    )
    assert listed.json()["items"] == []
    # globex may hold the same identity: identities are unique per tenant only
    mine = await client.post(
        "/api/v1/tenants/globex/customers",
        json={"identities": [{"kind": "email", "value": "ada@example.com"}]},
        headers=world.auth("other_admin"),
    )
    assert mine.status_code == 201
