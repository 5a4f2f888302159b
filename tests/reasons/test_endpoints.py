"""The contact-reason taxonomy over HTTP: list, tree, create, change, move, no cycles."""

import httpx
from sqlalchemy import select

from omniline.models import AuditEntry, Event
from omniline.runtime import Runtime
from tests.conftest import World

URL = "/api/v1/tenants/acme/reasons"


async def add(client: httpx.AsyncClient, world: World, code: str, parent: str | None = None) -> str:
    body = {"code": code, "name": code.title(), "parent_id": parent}
    response = await client.post(URL, json=body, headers=world.auth("supervisor"))
    assert response.status_code == 201, response.text
    reason_id: str = response.json()["id"]
    return reason_id


async def test_flat_list_and_tree(client: httpx.AsyncClient, world: World) -> None:
    cards = await add(client, world, "cards")
    blocked = await add(client, world, "cards.blocked", cards)
    lost = await add(client, world, "cards.lost", cards)
    loans = await add(client, world, "loans")

    flat = await client.get(URL, headers=world.auth("agent"))
    assert flat.status_code == 200
    assert [(r["code"], r["parent_id"]) for r in flat.json()] == [
        ("cards", None),
        ("cards.blocked", cards),
        ("cards.lost", cards),
        ("loans", None),
    ]
    assert "children" not in flat.json()[0]

    tree = (await client.get(URL, params={"tree": "true"}, headers=world.auth("planner"))).json()
    assert [n["id"] for n in tree] == [cards, loans]
    assert [c["id"] for c in tree[0]["children"]] == [blocked, lost]
    assert tree[1]["children"] == []


async def test_create_needs_permission_and_a_valid_unique_code(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"code": "cards", "name": "Cards"}
    assert (await client.post(URL, json=body, headers=world.auth("agent"))).status_code == 403
    await add(client, world, "cards")
    again = await client.post(URL, json=body, headers=world.auth("admin"))
    assert again.status_code == 409
    assert "already exists" in again.json()["error"]["message"]
    bad = await client.post(
        URL, json={"code": "Bad Code", "name": "x"}, headers=world.auth("admin")
    )
    assert bad.status_code == 422


async def test_unknown_parent_is_refused(client: httpx.AsyncClient, world: World) -> None:
    other = await client.post(
        "/api/v1/tenants/globex/reasons",
        json={"code": "theirs", "name": "Theirs"},
        headers=world.auth("other_admin"),
    )
    body = {"code": "mine", "name": "Mine", "parent_id": other.json()["id"]}
    response = await client.post(URL, json=body, headers=world.auth("admin"))
    assert response.status_code == 422
    assert "parent reason" in response.json()["error"]["message"]


async def test_rename_deactivate_and_move(client: httpx.AsyncClient, world: World) -> None:
    cards = await add(client, world, "cards")
    lost = await add(client, world, "lost")
    changed = await client.patch(
        f"{URL}/{lost}",
        json={
            "name": "Lost card",
            "description": "reported lost",
            "active": False,
            "parent_id": cards,
        },
        headers=world.auth("supervisor"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Lost card"
    assert changed.json()["active"] is False
    assert changed.json()["parent_id"] == cards
    active = await client.get(URL, params={"active": "true"}, headers=world.auth("agent"))
    assert [r["code"] for r in active.json()] == ["cards"]
    tree = await client.get(
        URL, params={"tree": "true", "active": "true"}, headers=world.auth("agent")
    )
    assert [(n["code"], n["children"]) for n in tree.json()] == [("cards", [])]
    inactive = await client.get(
        URL, params={"tree": "true", "active": "false"}, headers=world.auth("agent")
    )
    assert [n["code"] for n in inactive.json()] == ["lost"]

    to_top = await client.patch(
        f"{URL}/{lost}", json={"parent_id": None}, headers=world.auth("supervisor")
    )
    assert to_top.json()["parent_id"] is None
    assert to_top.json()["name"] == "Lost card"


async def test_a_reason_cannot_go_under_itself_or_its_descendants(
    client: httpx.AsyncClient, world: World
) -> None:
    top = await add(client, world, "top")
    middle = await add(client, world, "middle", top)
    leaf = await add(client, world, "leaf", middle)
    for parent in (top, leaf):
        response = await client.patch(
            f"{URL}/{top}", json={"parent_id": parent}, headers=world.auth("admin")
        )
        assert response.status_code == 422
        assert "under itself" in response.json()["error"]["message"]
    unchanged = await client.get(f"{URL}/{top}", headers=world.auth("admin"))
    assert unchanged.json()["parent_id"] is None


async def test_changes_are_audited_and_emitted(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    reason = await add(client, world, "cards")
    await client.patch(f"{URL}/{reason}", json={"name": "Card"}, headers=world.auth("admin"))
    async with runtime.sessions() as session:
        audits = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == reason).order_by(AuditEntry.seq)
        )
        events = await session.scalars(
            select(Event.kind).where(Event.tenant_id == world.tenant.id).order_by(Event.seq)
        )
        assert list(audits) == ["reason.created", "reason.updated"]
        assert list(events)[-2:] == ["reason.created", "reason.updated"]


async def test_other_tenant_gets_404(client: httpx.AsyncClient, world: World) -> None:
    reason = await add(client, world, "cards")
    who = world.auth("other_admin")
    globex = "/api/v1/tenants/globex/reasons"
    assert (await client.get(f"{globex}/{reason}", headers=who)).status_code == 404
    patch = await client.patch(f"{globex}/{reason}", json={"name": "x"}, headers=who)
    assert patch.status_code == 404
    assert (await client.get(globex, headers=who)).json() == []
    assert (await client.get(URL, headers=who)).status_code == 404
    assert (await client.post(URL, json={"code": "x", "name": "x"}, headers=who)).status_code == 404
    assert (await client.patch(f"{URL}/{reason}", json={}, headers=who)).status_code == 404


async def test_names_per_language(client: httpx.AsyncClient, world: World) -> None:
    """Issue 12: the Polish portal showed English reason names; a reason has a name per
    language, set and changed through the API (all names at once; an empty one is dropped)."""
    made = await client.post(
        URL,
        json={"code": "cards", "name": "Cards", "names": {"pl": "Karty", "ru": "Карты"}},
        headers=world.auth("supervisor"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["names"] == {"pl": "Karty", "ru": "Карты"}
    changed = await client.patch(
        f"{URL}/{made.json()['id']}",
        json={"names": {"pl": "Karty płatnicze", "ru": " "}},
        headers=world.auth("supervisor"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["names"] == {"pl": "Karty płatnicze"}
    bad = await client.patch(
        f"{URL}/{made.json()['id']}", json={"names": {"Polish!": "x"}},
        headers=world.auth("supervisor"),
    )  # fmt: skip
    assert bad.status_code == 422
    agent = await client.patch(
        f"{URL}/{made.json()['id']}", json={"names": {"pl": "x"}}, headers=world.auth("agent")
    )
    assert agent.status_code == 403
