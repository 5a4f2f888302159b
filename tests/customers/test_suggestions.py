"""Suggested merges: typed details another customer holds wait for a person's decision."""

from typing import Any

import httpx

from tests.conftest import World
from tests.portal.test_contact import customer_of, send_form
from tests.portal.test_status import contact

API = "/api/v1/tenants/acme"


async def _suggestion(client: httpx.AsyncClient, world: World, email: str) -> dict[str, Any]:
    sent = await send_form(client, kind="message", name="Ann", email=email, message="Hello")
    assert sent.status_code == 200, sent.text
    listed = await client.get(f"{API}/interactions", headers=world.auth("agent"))
    newest = max(
        (i for i in listed.json()["items"] if i["channel"] == "webform"), key=lambda i: i["id"]
    )
    rows = await client.get(
        f"{API}/customers/{newest['customer_id']}/suggestions", headers=world.auth("agent")
    )
    [row] = rows.json()
    return dict(row)


async def test_confirming_merges_the_visitor_into_the_customer_and_dismissing_keeps_apart(
    client: httpx.AsyncClient, world: World
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    owner = (await customer_of(client, world, ann["interaction_id"]))["id"]
    first = await _suggestion(client, world, "ann@example.com")
    url = f"{API}/customers/suggestions/{first['id']}"
    agent = await client.post(f"{url}/confirm", headers=world.auth("agent"))
    assert agent.status_code == 403  # a merge needs 'customers.merge'
    other = await client.post(f"{url}/confirm", headers=world.auth("other_admin"))
    assert other.status_code == 404
    confirmed = await client.post(f"{url}/confirm", headers=world.auth("supervisor"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    merged = await client.get(
        f"{API}/customers/{first['customer_id']}", headers=world.auth("supervisor")
    )
    assert merged.json()["merged_into_id"] == owner
    again = await client.post(f"{url}/confirm", headers=world.auth("supervisor"))
    assert again.status_code == 409
    undo = await client.post(
        f"{API}/customers/merges/{confirmed.json()['merge_id']}/undo",
        headers=world.auth("supervisor"),
    )
    assert undo.status_code == 200, undo.text  # an ordinary merge: it can be undone
    second = await _suggestion(client, world, "ann@example.com")
    dismissed = await client.post(
        f"{API}/customers/suggestions/{second['id']}/dismiss", headers=world.auth("supervisor")
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"
    kept = await client.get(
        f"{API}/customers/{second['customer_id']}", headers=world.auth("supervisor")
    )
    assert kept.json()["merged_into_id"] is None
    open_ones = await client.get(
        f"{API}/customers/{owner}/suggestions", headers=world.auth("agent")
    )
    assert open_ones.json() == []
    every = await client.get(
        f"{API}/customers/{owner}/suggestions", params={"decided": "true"},
        headers=world.auth("agent"),
    )  # fmt: skip
    assert sorted(s["status"] for s in every.json()) == ["confirmed", "dismissed"]
