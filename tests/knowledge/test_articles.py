"""Articles and guidelines through the API: versions, publishing, rollback, reasons, safety."""

from typing import Any

import httpx
from sqlalchemy import select

from omniline.models import AuditEntry
from omniline.runtime import Runtime
from tests.conftest import World

T = "/api/v1/tenants/acme"


async def _ok(client: httpx.AsyncClient, world: World, method: str, path: str, **kw: Any) -> Any:
    who = kw.pop("who", "supervisor")
    response = await client.request(method, T + path, headers=world.auth(who), **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_versions_publish_and_roll_back(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    made = await _ok(
        client, world, "POST", "/articles",
        json={"title": "Card blocked", "body": "<h2>Steps</h2><p>Call us.</p>", "tags": ["Cards"]},
    )  # fmt: skip
    aid = made["id"]
    assert (made["status"], made["version"], made["slug"]) == ("draft", 1, "card-blocked")
    assert made["tags"] == ["cards"]
    await _ok(client, world, "POST", f"/articles/{aid}/publish")
    edited = await _ok(
        client, world, "PATCH", f"/articles/{aid}",
        json={"body": "<p>Open the app and unblock it.</p>", "note": "app first"},
    )  # fmt: skip
    assert (edited["version"], edited["published_version"]) == (2, 1)  # readers still see 1
    versions = await _ok(client, world, "GET", f"/articles/{aid}/versions")
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["note"] == "app first"
    back = await _ok(client, world, "POST", f"/articles/{aid}/rollback", json={"version": 1})
    assert back["version"] == 3
    assert back["published_version"] == 3  # a published article shows the rollback at once
    assert back["body"] == "<h2>Steps</h2><p>Call us.</p>"
    hidden = await _ok(client, world, "POST", f"/articles/{aid}/unpublish")
    assert (hidden["status"], hidden["published_version"]) == ("unpublished", None)
    again = await client.post(f"{T}/articles/{aid}/unpublish", headers=world.auth("supervisor"))
    assert again.status_code == 409
    async with runtime.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_id == aid)
                .order_by(AuditEntry.seq)
            )
        )
    assert actions == [
        "knowledge.article_created",
        "knowledge.article_published",
        "knowledge.article_edited",
        "knowledge.article_rolled_back",
        "knowledge.article_unpublished",
    ]


async def test_bodies_are_made_safe(client: httpx.AsyncClient, world: World) -> None:
    body = (
        '<p onclick="x()">Hi</p><script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">bad</a><a href="https://bank.example/help">good</a>'
    )
    made = await _ok(client, world, "POST", "/articles", json={"title": "T", "body": body})
    clean = made["body"]
    for bad in ("<script", "onerror", "onclick", "javascript:"):
        assert bad not in clean
    assert 'href="https://bank.example/help"' in clean
    assert "<img" in clean


async def test_reasons_list_their_guidelines_and_solutions(
    client: httpx.AsyncClient, world: World
) -> None:
    reason = await _ok(client, world, "POST", "/reasons", json={"code": "cards", "name": "Cards"})
    guide = await _ok(
        client, world, "POST", "/articles",
        json={"title": "Handling a blocked card", "kind": "guideline",
              "body": "<ol><li>Check identity</li><li>Never promise a date</li></ol>",
              "reason_ids": [reason["id"]]},
    )  # fmt: skip
    assert guide["audience"] == "internal"
    solution = await _ok(
        client, world, "POST", "/articles",
        json={"title": "Unblock your card", "body": "<p>In the app.</p>",
              "reason_ids": [reason["id"]]},
    )  # fmt: skip
    draft = await _ok(
        client, world, "POST", "/articles",
        json={"title": "Not yet", "body": "<p>x</p>", "reason_ids": [reason["id"]]},
    )  # fmt: skip
    for article in (guide, solution):
        await _ok(client, world, "POST", f"/articles/{article['id']}/publish")
    await _ok(client, world, "PATCH", f"/articles/{solution['id']}", json={"title": "Renamed"})
    found = await _ok(client, world, "GET", f"/reasons/{reason['id']}/solutions", who="agent")
    assert [g["id"] for g in found["guidelines"]] == [guide["id"]]
    assert [a["id"] for a in found["articles"]] == [solution["id"]]  # the draft is not there
    assert found["articles"][0]["title"] == "Unblock your card"  # the published version
    assert draft["status"] == "draft"
    listed = await _ok(client, world, "GET", "/articles", params={"reason_id": reason["id"]})
    assert len(listed) == 3


async def test_editing_needs_the_right(client: httpx.AsyncClient, world: World) -> None:
    denied = await client.post(f"{T}/articles", json={"title": "x"}, headers=world.auth("agent"))
    assert denied.status_code == 403
    readable = await client.get(f"{T}/articles", headers=world.auth("agent"))
    assert readable.status_code == 200
    made = await _ok(client, world, "POST", "/articles", json={"title": "Empty"})
    refused = await client.post(
        f"{T}/articles/{made['id']}/publish", headers=world.auth("supervisor")
    )
    assert refused.status_code == 422  # no body yet
    unknown = await client.put(
        f"{T}/articles/{made['id']}/reasons",
        json={"reason_ids": ["01a210aa-0000-7000-8000-000000000000"]},
        headers=world.auth("supervisor"),
    )
    assert unknown.status_code == 404
    guide = await _ok(client, world, "POST", "/articles", json={"title": "G", "kind": "guideline"})
    public = await client.patch(
        f"{T}/articles/{guide['id']}", json={"audience": "public"}, headers=world.auth("supervisor")
    )
    assert public.status_code == 422


async def test_an_owner_must_be_one_of_the_projects_people(
    client: httpx.AsyncClient, world: World
) -> None:
    # found by the API fuzzing on PostgreSQL: an unknown owner_id broke a foreign key (500)
    made = await _ok(client, world, "POST", "/articles", json={"title": "T", "body": "<p>b</p>"})
    stranger, colleague = world.users["other_admin"].id, world.users["agent"].id
    for method, path, body in (
        ("PATCH", f"/articles/{made['id']}", {"owner_id": "5517a1a2-3ba1-2a84-839b-57f188651ab3"}),
        ("PATCH", f"/articles/{made['id']}", {"owner_id": str(stranger)}),
    ):
        response = await client.request(method, T + path, json=body, headers=world.auth("admin"))
        assert response.status_code == 422, response.text
        assert "is not one of this project's people" in response.json()["error"]["message"]
    moved = await _ok(
        client, world, "PATCH", f"/articles/{made['id']}", json={"owner_id": str(colleague)}
    )
    assert moved["owner_id"] == str(colleague)
