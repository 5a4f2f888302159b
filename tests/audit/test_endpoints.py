"""Reading a tenant's audit log over HTTP: rights, tenant isolation, filters and cursors."""

import itertools
from typing import Any

import httpx

from omniline.journal.actor import Actor, ActorType
from omniline.runtime import Runtime
from tests.conftest import World

URL = "/api/v1/tenants/acme/audit"


async def read_all(client: httpx.AsyncClient, world: World, **params: Any) -> list[dict[str, Any]]:
    """Every entry, following next_cursor page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(URL, params=query, headers=world.auth("admin"))
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def act_as_admin(runtime: Runtime, world: World, count: int) -> None:
    """Changes the admin made, audited under their id."""
    work = runtime.work(Actor(ActorType.USER, world.users["admin"].id, "198.51.100.4"))
    for n in range(count):
        work.audit(world.tenant.id, "reason.created", "contact_reason", f"r{n}", {"n": n})
    await work.commit()
    await work.session.close()


async def test_the_log_lists_the_tenants_entries_in_sequence(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(URL, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["seq"] for i in items] == list(range(1, len(items) + 1))
    assert items[0]["action"] == "tenant.created"
    assert items[0]["prev_hash"] == ""
    assert len(items[0]["hash"]) == 64
    assert all(i["prev_hash"] == p["hash"] for p, i in itertools.pairwise(items))
    assert {i["object_id"] for i in items if i["object_type"] == "tenant"} == {str(world.tenant.id)}
    assert "admin@globex.test" not in response.text


async def test_pages_follow_the_cursor_without_gaps(
    runtime: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    await act_as_admin(runtime, world, 5)
    whole = await read_all(client, world, limit=200)
    paged = await read_all(client, world, limit=2)
    assert paged == whole
    backwards = await read_all(client, world, limit=3, newest_first="true")
    assert backwards == list(reversed(whole))


async def test_filters_narrow_by_action_object_and_actor(
    runtime: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    await act_as_admin(runtime, world, 3)
    admin_id = str(world.users["admin"].id)
    agent_id = str(world.users["agent"].id)

    by_action = await read_all(client, world, action="reason.created")
    assert [i["object_id"] for i in by_action] == ["r0", "r1", "r2"]
    by_actor = await read_all(client, world, actor_id=admin_id)
    assert by_actor == by_action
    assert {i["ip"] for i in by_actor} == {"198.51.100.4"}
    by_object = await read_all(client, world, object_type="user", object_id=agent_id)
    assert [i["action"] for i in by_object] == ["membership.set"]
    assert by_object[0]["data"] == {"role": "agent"}
    assert await read_all(client, world, action="reason.created", object_id="r9") == []


async def test_reading_the_log_needs_audit_read(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(URL, headers=world.auth("agent"))).status_code == 403
    assert (await client.get(URL, headers=world.auth("supervisor"))).status_code == 200
    client.cookies.clear()  # logging in for the fixtures left a session cookie
    assert (await client.get(URL)).status_code == 401


async def test_another_tenants_log_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(URL, headers=world.auth("other_admin"))
    assert response.status_code == 404
    response = await client.get("/api/v1/tenants/globex/audit", headers=world.auth("admin"))
    assert response.status_code == 404


async def test_bad_parameters_answer_422_with_a_reason(
    client: httpx.AsyncClient, world: World
) -> None:
    for params in ({"cursor": "%%%"}, {"cursor": "AAAA"}, {"actor_id": "x"}, {"limit": "0"}):
        response = await client.get(URL, params=params, headers=world.auth("admin"))
        assert response.status_code == 422, params
    response = await client.get(URL, params={"cursor": "AAAA"}, headers=world.auth("admin"))
    assert "next_cursor" in response.json()["error"]["message"]
