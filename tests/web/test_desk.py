"""The agent desk page and the API calls only it needed so far (sending an article)."""

import json
import re
import uuid
from typing import Any

import httpx

from omniline.models import Interaction, InteractionStatus
from omniline.runtime import Runtime
from omniline.users.service import add_membership
from tests.conftest import PASSWORD, World
from tests.interactions.test_endpoints import inbound
from tests.support.people import page_log_in

API = "/api/v1/tenants/acme"


async def log_in(client: httpx.AsyncClient, email: str) -> None:
    done = await page_log_in(client, email, PASSWORD)
    assert done.status_code == 303


def desk_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="desk-data">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def test_the_desk_page_carries_what_the_module_needs(
    client: httpx.AsyncClient, world: World
) -> None:
    await client.post(
        f"{API}/reasons", json={"code": "cards", "name": "Cards </script><b>"},
        headers=world.auth("admin"),
    )  # fmt: skip
    await log_in(client, "agent@acme.test")
    page = await client.get("/t/acme/desk", headers={"Accept-Language": "pl"})
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "</script><b>" not in page.text  # the JSON is escaped for HTML
    data = desk_data(page.text)
    assert data["me"]["id"] == str(world.users["agent"].id)
    assert data["reasons"][0]["label"] == "Cards </script><b>"
    assert data["texts"]["Accept"] == "Przyjmij"
    assert data["can"] == {
        "reveal": True, "send": True, "transfer": True, "edit": True, "merge": False
    }  # fmt: skip
    assert (await client.get("/t/globex/desk")).status_code == 404
    client.cookies.clear()


async def test_an_article_is_sent_as_a_reply_with_its_portal_link(
    client: httpx.AsyncClient, world: World
) -> None:
    editor = world.auth("supervisor")
    made = (
        await client.post(
            f"{API}/articles", headers=editor,
            json={"title": "Block a card", "body": "<p>Open the <b>app</b>.</p>"},
        )
    ).json()  # fmt: skip
    await client.post(f"{API}/articles/{made['id']}/publish", headers=editor)
    secret = (
        await client.post(
            f"{API}/articles", headers=editor,
            json={"title": "Refunds", "body": "<p>50 EUR</p>", "audience": "internal"},
        )
    ).json()  # fmt: skip
    await client.post(f"{API}/articles/{secret['id']}/publish", headers=editor)
    iid = (await inbound(client, world, "a1"))["interaction_id"]
    url = f"{API}/interactions/{iid}/articles"
    sent = await client.post(f"{url}/{made['id']}/send", headers=world.auth("agent"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["link"] == "http://testserver/help/acme/articles/block-a-card"
    messages = (
        await client.get(f"{API}/interactions/{iid}/messages", headers=world.auth("agent"))
    ).json()
    body = messages["items"][-1]["body"]
    assert body.startswith("Block a card\n\nOpen the app.")
    refused = await client.post(f"{url}/{secret['id']}/send", headers=world.auth("agent"))
    assert refused.status_code == 422
    planner = await client.post(f"{url}/{made['id']}/send", headers=world.auth("planner"))
    assert planner.status_code == 403
    report = (await client.get(f"{API}/knowledge/report", headers=editor)).json()
    [numbers] = [a for a in report["articles"] if a["title"] == "Block a card"]
    assert numbers["sent"] == 1


async def test_admins_set_canned_responses_and_break_reasons_for_the_desk(
    client: httpx.AsyncClient, world: World
) -> None:
    canned = [{"title": "Hi", "text": "Hello <b>there</b>"}]
    changed = await client.patch(
        API, headers=world.auth("admin"),
        json={"canned_responses": canned, "break_reasons": ["lunch", "training"]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    unknown = await client.patch(API, headers=world.auth("admin"), json={"canned": canned})
    assert unknown.status_code == 422  # a misspelt field is refused, not ignored
    await log_in(client, "agent@acme.test")
    data = desk_data((await client.get("/t/acme/desk")).text)
    assert data["canned"] == canned
    assert data["break_reasons"] == ["lunch", "training"]
    client.cookies.clear()


async def test_an_agent_sends_a_file_with_a_reply(client: httpx.AsyncClient, world: World) -> None:
    iid = (await inbound(client, world, "f1"))["interaction_id"]
    url = f"{API}/interactions/{iid}/files"
    pdf = ("tariff.pdf", b"%PDF-1.4 tariff", "application/pdf")
    sent = await client.post(
        url, headers=world.auth("agent"), files={"file": pdf}, data={"body": "Our tariff"}
    )
    assert sent.status_code == 201, sent.text
    messages = (
        await client.get(f"{API}/interactions/{iid}/messages", headers=world.auth("agent"))
    ).json()
    last = messages["items"][-1]
    assert last["body"] == "Our tariff"
    [attached] = last["attachments"]
    assert attached["name"] == "tariff.pdf"
    got = await client.get(attached["url"], headers=world.auth("agent"))
    assert got.content == b"%PDF-1.4 tariff"
    program = (
        "setup.exe",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff",
        "application/octet-stream",
    )
    refused = await client.post(url, headers=world.auth("agent"), files={"file": program})
    assert refused.status_code == 415
    planner = await client.post(url, headers=world.auth("planner"), files={"file": pdf})
    assert planner.status_code == 403
    other = await client.post(
        f"/api/v1/tenants/globex/interactions/{iid}/files",
        headers=world.auth("other_admin"), files={"file": pdf},
    )  # fmt: skip
    assert other.status_code == 404


def project_data(page: str) -> list[dict[str, Any]]:
    found = re.findall(
        r'<script type="application/json" class="project-data">(.*?)</script>', page, re.S
    )
    return [json.loads(f) for f in found]


async def test_one_desk_serves_several_projects_of_the_agent(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await log_in(client, "agent@acme.test")
    alone = await client.get("/desk")
    assert 'action="/desk/work"' not in alone.text  # one project: nothing to combine
    assert (await client.get("/desk/work?p=acme&p=globex")).status_code == 404  # not theirs
    work = runtime.work()
    await add_membership(work, world.other, world.users["agent"], "agent")
    await work.commit()
    await work.session.close()
    projects = await client.get("/desk")
    assert 'action="/desk/work"' in projects.text
    assert 'name="p" value="globex"' in projects.text
    page = await client.get(
        "/desk/work?p=globex&p=acme&p=globex", headers={"Accept-Language": "ru"}
    )
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    data = project_data(page.text)
    assert [(d["tenant"], d["tenant_name"]) for d in data] == [
        ("globex", "Globex"),
        ("acme", "Acme"),
    ]
    assert {d["me"]["id"] for d in data} == {str(world.users["agent"].id)}
    assert data[0]["texts"]["Accept"] == "Принять"
    assert 'id="state"' not in page.text  # the parts repeat per project, without ids
    assert page.text.count('data-part="state"') == 2
    empty = await client.get("/desk/work", follow_redirects=False)
    assert (empty.status_code, empty.headers["location"]) == (303, "/desk")
    client.cookies.clear()
    assert (await client.get("/desk/work?p=acme")).status_code == 303  # log in first


async def test_a_planner_lands_on_the_planning_page_not_a_desk(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "planner@acme.test")
    desk = await client.get("/t/acme/desk")
    assert (desk.status_code, desk.headers["location"]) == (303, "/t/acme/planning")
    page = await client.get("/t/acme/planning", headers={"Accept-Language": "pl"})
    assert page.status_code == 200
    assert "Planowanie" in page.text
    assert "/api/v1/tenants/acme/interactions" in page.text
    assert 'id="state"' not in page.text  # no state to choose
    assert 'href="/t/acme/desk"' not in page.text
    await log_in(client, "agent@acme.test")
    assert (await client.get("/t/acme/desk")).status_code == 200


async def test_contacts_needing_a_reason_stay_on_their_agents_desk(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    landed = await inbound(client, world, "m1")
    async with runtime.sessions() as session:
        row = await session.get(Interaction, uuid.UUID(landed["interaction_id"]))
        assert row is not None
        # as the wrap-up timer leaves it (tests/routing: ..._needs_one)
        row.status, row.agent_id = InteractionStatus.WRAPPED_UP, world.users["agent"].id
        row.needs_reason = True
        await session.commit()
    await log_in(client, "agent@acme.test")
    data = desk_data((await client.get("/t/acme/desk", headers={"Accept-Language": "ru"})).text)
    assert data["needs_reason"] == [landed["interaction_id"]]
    assert data["texts"]["Needs a reason"] == "Нужна причина"
    await log_in(client, "supervisor@acme.test")
    assert desk_data((await client.get("/t/acme/desk")).text)["needs_reason"] == []
    client.cookies.clear()
