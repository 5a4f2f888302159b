"""Cases over HTTP: list and filter, read with interactions, open by hand, change."""

from typing import Any

import httpx

from omniline.runtime import Runtime
from tests.conftest import World

URL = "/api/v1/tenants/acme/cases"
QUEUES = "/api/v1/tenants/acme/queues"


async def inbound(
    client: httpx.AsyncClient, world: World, external_id: str, email: str = "ada@example.com"
) -> dict[str, Any]:
    body = {
        "channel": "webform",
        "external_id": external_id,
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": email}]},
        "body": "My card is blocked",
        "subject": "Blocked card",
    }
    response = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
    assert response.status_code == 200, response.text
    landed: dict[str, Any] = response.json()
    return landed


async def add_reason(
    client: httpx.AsyncClient, world: World, code: str, tenant: str = "acme"
) -> str:
    who = "admin" if tenant == "acme" else "other_admin"
    response = await client.post(
        f"/api/v1/tenants/{tenant}/reasons",
        json={"code": code, "name": code.title()},
        headers=world.auth(who),
    )
    assert response.status_code == 201, response.text
    reason_id: str = response.json()["id"]
    return reason_id


async def test_list_filter_and_page(client: httpx.AsyncClient, world: World) -> None:
    ada = await inbound(client, world, "m1")
    bob = await inbound(client, world, "m2", email="bob@example.com")
    listed = await client.get(URL, headers=world.auth("agent"))
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [ada["case_id"], bob["case_id"]]
    assert listed.json()["next_cursor"] is None

    first = (await client.get(URL, params={"limit": 1}, headers=world.auth("agent"))).json()
    assert [c["id"] for c in first["items"]] == [ada["case_id"]]
    second = await client.get(
        URL, params={"limit": 1, "cursor": first["next_cursor"]}, headers=world.auth("agent")
    )
    assert [c["id"] for c in second.json()["items"]] == [bob["case_id"]]

    mine = await client.get(
        URL, params={"customer_id": bob["customer_id"]}, headers=world.auth("planner")
    )
    assert [c["id"] for c in mine.json()["items"]] == [bob["case_id"]]
    new = await client.get(URL, params={"status": "new"}, headers=world.auth("agent"))
    assert len(new.json()["items"]) == 2
    closed = await client.get(URL, params={"status": "closed"}, headers=world.auth("agent"))
    assert closed.json()["items"] == []
    bad = await client.get(URL, params={"status": "nonsense"}, headers=world.auth("agent"))
    assert bad.status_code == 422
    broken = await client.get(URL, params={"cursor": "!!"}, headers=world.auth("agent"))
    assert broken.status_code == 422


async def test_case_detail_lists_its_interactions(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    response = await client.get(f"{URL}/{landed['case_id']}", headers=world.auth("agent"))
    assert response.status_code == 200
    case = response.json()
    assert case["number"] == 1
    assert case["status"] == "new"
    assert case["subject"] == "Blocked card"
    assert case["first_channel"] == "webform"
    assert case["interaction_count"] == 1
    [summary] = case["interactions"]
    assert summary["id"] == landed["interaction_id"]
    assert summary["channel"] == "webform"
    assert summary["direction"] == "inbound"


async def test_open_a_case_by_hand(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    reason = await add_reason(client, world, "cards")
    body = {
        "customer_id": landed["customer_id"],
        "channel": "branch",
        "subject": "Visited the branch",
        "priority": "high",
        "reason_id": reason,
        "owner_id": str(world.users["agent"].id),
    }
    response = await client.post(URL, json=body, headers=world.auth("agent"))
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["number"] == 2
    assert case["first_channel"] == "branch"
    assert case["priority"] == "high"
    assert case["reason_id"] == reason
    assert case["owner_id"] == str(world.users["agent"].id)
    assert case["interactions"] == []
    assert case["interaction_count"] == 0


async def test_open_a_case_refuses_bad_references(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    theirs = await add_reason(client, world, "theirs", tenant="globex")
    base = {"customer_id": landed["customer_id"]}
    planner = await client.post(URL, json=base, headers=world.auth("planner"))
    assert planner.status_code == 403
    foreign_reason = await client.post(
        URL, json={**base, "reason_id": theirs}, headers=world.auth("agent")
    )
    assert foreign_reason.status_code == 422
    assert "not an active reason" in foreign_reason.json()["error"]["message"]
    stranger = str(world.users["other_admin"].id)
    not_member = await client.post(
        URL, json={**base, "owner_id": stranger}, headers=world.auth("agent")
    )
    assert not_member.status_code == 422
    assert "not an active member" in not_member.json()["error"]["message"]
    # a customer of acme, named from globex
    other = await client.post(
        "/api/v1/tenants/globex/cases", json=base, headers=world.auth("other_admin")
    )
    assert other.status_code == 404


async def end_contact(client: httpx.AsyncClient, world: World, interaction_id: str) -> None:
    response = await client.post(
        f"/api/v1/tenants/acme/interactions/{interaction_id}/steps",
        json={"step": "ended"},
        headers=world.auth("agent"),
    )
    assert response.status_code == 200, response.text


async def test_status_moves_and_refusals(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    await end_contact(client, world, landed["interaction_id"])
    case_url = f"{URL}/{landed['case_id']}"
    agent = world.auth("agent")
    opened = await client.patch(case_url, json={"status": "open"}, headers=agent)
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    resolved = await client.patch(case_url, json={"status": "resolved"}, headers=agent)
    assert resolved.json()["resolved_at"] is not None
    closed = await client.patch(case_url, json={"status": "closed"}, headers=agent)
    assert closed.json()["closed_at"] is not None
    bad = await client.patch(case_url, json={"status": "pending"}, headers=agent)
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "a closed case cannot become pending"
    reopened = await client.patch(case_url, json={"status": "open"}, headers=agent)
    assert reopened.json()["closed_at"] is None
    unknown = await client.patch(case_url, json={"status": "archived"}, headers=agent)
    assert unknown.status_code == 422
    planner = await client.patch(
        case_url, json={"status": "pending"}, headers=world.auth("planner")
    )
    assert planner.status_code == 403


async def test_change_priority_reason_owner_subject(
    client: httpx.AsyncClient, world: World
) -> None:
    case_url = f"{URL}/{(await inbound(client, world, 'm1'))['case_id']}"
    reason = await add_reason(client, world, "cards")
    owner = str(world.users["supervisor"].id)
    body = {"priority": "urgent", "reason_id": reason, "owner_id": owner, "subject": "Card"}
    changed = await client.patch(case_url, json=body, headers=world.auth("agent"))
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in body} == body

    cleared = await client.patch(case_url, json={"owner_id": None}, headers=world.auth("agent"))
    assert cleared.json()["owner_id"] is None
    assert cleared.json()["reason_id"] == reason

    await client.patch(
        f"/api/v1/tenants/acme/reasons/{reason}",
        json={"active": False},
        headers=world.auth("admin"),
    )
    other = await add_reason(client, world, "loans")
    await client.patch(case_url, json={"reason_id": other}, headers=world.auth("agent"))
    inactive = await client.patch(case_url, json={"reason_id": reason}, headers=world.auth("agent"))
    assert inactive.status_code == 422
    stranger = str(world.users["other_admin"].id)
    outsider = await client.patch(
        case_url, json={"owner_id": stranger}, headers=world.auth("agent")
    )
    assert outsider.status_code == 422
    # a refused change leaves the case as it was
    after = (await client.get(case_url, headers=world.auth("agent"))).json()
    assert after["reason_id"] == other
    assert after["owner_id"] is None


async def test_other_tenant_gets_404(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    who = world.auth("other_admin")
    globex = f"/api/v1/tenants/globex/cases/{landed['case_id']}"
    assert (await client.get(globex, headers=who)).status_code == 404
    patch = await client.patch(globex, json={"status": "open"}, headers=who)
    assert patch.status_code == 404
    listed = await client.get("/api/v1/tenants/globex/cases", headers=who)
    assert listed.json()["items"] == []
    acme = f"{URL}/{landed['case_id']}"
    assert (await client.get(URL, headers=who)).status_code == 404
    assert (await client.get(acme, headers=who)).status_code == 404
    assert (await client.patch(acme, json={}, headers=who)).status_code == 404
    post = await client.post(URL, json={"customer_id": landed["customer_id"]}, headers=who)
    assert post.status_code == 404


async def test_a_case_is_not_done_while_a_contact_waits(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    admin, agent = world.auth("admin"), world.auth("agent")
    queue = {"name": "web", "channels": ["webform"], "calendar": {}}
    assert (await client.post(QUEUES, json=queue, headers=admin)).status_code == 201
    landed = await inbound(client, world, "m1")
    await runtime.router.settle()
    waiting = landed["interaction_id"]
    call = await client.post(
        "/api/v1/tenants/acme/interactions",
        json={
            "customer_id": landed["customer_id"],
            "case_id": landed["case_id"],
            "channel": "phone",
        },
        headers=agent,
    )
    assert call.status_code == 201, call.text
    case_url = f"{URL}/{landed['case_id']}"
    for status in ("resolved", "closed"):
        refused = await client.patch(case_url, json={"status": status}, headers=agent)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert f"webform {waiting} (queued)" in error["message"]
        assert [c["status"] for c in error["details"]["open_contacts"]] == ["queued", "active"]
    # ending them: the waiting one ends with the reason; the call in an agent's hands does not
    ending = {"status": "resolved", "end_open_contacts": "answered by letter"}
    still = await client.patch(case_url, json=ending, headers=agent)
    assert still.status_code == 409
    assert [c["status"] for c in still.json()["error"]["details"]["open_contacts"]] == ["active"]
    await end_contact(client, world, call.json()["id"])
    done = await client.patch(case_url, json=ending, headers=agent)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved"
    assert {i["status"] for i in done.json()["interactions"]} == {"ended"}
    events = await client.get("/api/v1/tenants/acme/events", params={"limit": 1000}, headers=admin)
    [ended] = [
        e for e in events.json()["events"]
        if e["kind"] == "interaction.ended" and e["interaction_id"] == waiting
    ]  # fmt: skip
    assert (ended["data"]["why"], ended["data"]["reason"]) == ("case_done", "answered by letter")
    # an open contact cannot be moved into the done case either
    other = await inbound(client, world, "m2")  # the case is done: this opens another
    assert other["case_id"] != landed["case_id"]
    await client.patch(case_url, json={"status": "open"}, headers=agent)
    await client.patch(case_url, json={"status": "resolved"}, headers=agent)
    moved = await client.post(
        f"/api/v1/tenants/acme/interactions/{other['interaction_id']}/move",
        json={"case_id": landed["case_id"]},
        headers=agent,
    )
    assert moved.status_code == 409, moved.text
    assert "cannot move into it" in moved.json()["error"]["message"]


async def test_end_open_contacts_goes_with_resolving(
    client: httpx.AsyncClient, world: World
) -> None:
    case_url = f"{URL}/{(await inbound(client, world, 'm1'))['case_id']}"
    refused = await client.patch(
        case_url, json={"status": "pending", "end_open_contacts": "x"}, headers=world.auth("agent")
    )
    assert refused.status_code == 422


async def test_a_case_by_its_number(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    found = await client.get(
        f"{URL}/by-number/{landed['case_number']}", headers=world.auth("agent")
    )
    assert found.status_code == 200, found.text
    assert found.json()["id"] == landed["case_id"]
    assert len(found.json()["interactions"]) == 1
    missing = await client.get(f"{URL}/by-number/999", headers=world.auth("agent"))
    assert missing.status_code == 404
    assert "no case 999" in missing.json()["error"]["message"]
    huge = await client.get(f"{URL}/by-number/{2**64}", headers=world.auth("agent"))
    assert huge.status_code == 422
    theirs = await client.get(
        f"/api/v1/tenants/globex/cases/by-number/{landed['case_number']}",
        headers=world.auth("other_admin"),
    )
    assert theirs.status_code == 404
