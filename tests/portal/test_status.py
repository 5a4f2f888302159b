"""Case status on the portal: proof, the public view, replies, rate limits, no leaks."""

import re
from typing import Any

import httpx
from sqlalchemy import select

from omniline.models import AuditEntry, CaseLookup, Message
from omniline.portal.status import CLIENT_FAILURES, NUMBER_FAILURES
from omniline.runtime import Runtime
from tests.conftest import World
from tests.portal.test_pages import token_of

API = "/api/v1/tenants/acme"
HELP = "/help/acme"
NOT_FOUND = "we found no case with that number for that e-mail address or phone number"


def visitor(client: httpx.AsyncClient, ip: str = "203.0.113.7") -> httpx.AsyncClient:
    """A browser of its own (cookies) from its own address."""
    transport = httpx.ASGITransport(app=client._transport.app, client=(ip, 5000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def contact(
    client: httpx.AsyncClient,
    world: World,
    email: str,
    phone: str,
    body: str,
    token: str = "api",  # noqa: S107
) -> dict[str, Any]:
    """A customer writes in through the API channel: a new case."""
    response = await client.post(
        "/api/v1/inbound",
        headers=world.auth(token),
        json={
            "channel": "webform", "external_id": f"{email}:{body}", "body": body,
            "sender": {"name": email, "identities": [
                {"kind": "email", "value": email}, {"kind": "phone", "value": phone}]},
        },
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json())


async def reply(client: httpx.AsyncClient, world: World, interaction: str, **body: Any) -> None:
    response = await client.post(
        f"{API}/interactions/{interaction}/messages", headers=world.auth("agent"), json=body
    )
    assert response.status_code == 201, response.text


async def look_up(c: httpx.AsyncClient, number: object, contact_detail: str) -> httpx.Response:
    form = await c.get(f"{HELP}/status")
    return await c.post(
        f"{HELP}/status",
        data={"token": token_of(form.text), "number": str(number), "contact": contact_detail},
    )


async def test_the_customer_sees_status_and_public_replies_and_can_answer(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    ann = await contact(
        client, world, "ann@example.com", "+44 20 7946 0018", "My card <b>is</b> gone"
    )
    await reply(client, world, ann["interaction_id"], body="We blocked it. <script>x()</script>")
    await reply(client, world, ann["interaction_id"], body="VIP, be nice", internal=True)
    async with visitor(client) as c:
        found = await look_up(c, ann["case_number"], " ANN@example.com ")
        assert found.status_code == 303
        page = await c.get(found.headers["location"])
        assert page.status_code == 200
        assert f"Case {ann['case_number']}" in page.text
        assert "My card &lt;b&gt;is&lt;/b&gt; gone" in page.text  # text, never markup
        assert "We blocked it. &lt;script&gt;" in page.text
        assert "VIP, be nice" not in page.text  # internal notes stay internal
        sent = await c.post(
            f"{HELP}/status/case/messages",
            data={"token": token_of(page.text), "message": "Thanks! <img src=x onerror=alert(1)>"},
        )
        assert sent.status_code == 303
        page = await c.get(f"{HELP}/status/case")
        assert "Thanks! &lt;img src=x onerror=alert(1)&gt;" in page.text
        by_phone = await look_up(c, ann["case_number"], "020 7946 0018")  # national form, GB
        assert by_phone.status_code == 303
    async with runtime.sessions() as session:
        joined = list(await session.scalars(select(Message).where(Message.body.like("Thanks!%"))))
        viewed = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "case.status_viewed")
        )
    assert len(joined) == 1
    assert viewed is not None
    messages = await client.get(f"{API}/cases/{ann['case_id']}", headers=world.auth("agent"))
    assert messages.status_code == 200


async def test_a_reply_reopens_a_resolved_case(client: httpx.AsyncClient, world: World) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "Where is my statement?")
    changed = await client.patch(
        f"{API}/cases/{ann['case_id']}",
        headers=world.auth("supervisor"),
        json={"status": "resolved", "end_open_contacts": "answered by phone"},
    )
    assert changed.status_code == 200, changed.text
    async with visitor(client) as c:
        page = await c.get(
            (await look_up(c, ann["case_number"], "ann@example.com")).headers["location"]
        )
        assert "resolved" in page.text
        empty = await c.post(
            f"{HELP}/status/case/messages", data={"token": token_of(page.text), "message": "  "}
        )
        assert empty.status_code == 422
        assert "write a message first" in empty.text
        await c.post(
            f"{HELP}/status/case/messages",
            data={"token": token_of(page.text), "message": "Still not here"},
        )
    case = await client.get(f"{API}/cases/{ann['case_id']}", headers=world.auth("agent"))
    assert case.json()["status"] == "open"


async def test_enumerating_case_numbers_finds_only_ones_own_cases(
    client: httpx.AsyncClient, world: World
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    bob = await contact(client, world, "bob@example.com", "+442079460019", "two")
    globex = await contact(client, world, "ann@example.com", "+442079460018", "three", "other_api")
    found = []
    for number in range(1, 8):  # every number there is, from several addresses
        async with visitor(client, f"198.51.100.{number}") as c:
            response = await look_up(c, number, "ann@example.com")
            if response.status_code == 303:
                found.append(number)
            else:
                assert response.status_code == 404
                assert NOT_FOUND in response.text
    assert found == [ann["case_number"]]
    assert bob["case_number"] not in found
    assert globex["case_number"] == 1  # Globex's case 1 is Ann's too, but in another tenant
    async with visitor(client) as c:
        wrong = await look_up(c, bob["case_number"], "ann@example.com")
        assert wrong.status_code == 404
        assert NOT_FOUND in wrong.text
        nothing = await c.get(f"{HELP}/status/case", follow_redirects=False)
        assert nothing.status_code == 303  # no proof, no case


async def test_failures_are_limited_per_address_and_per_case_number(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    async with visitor(client, "192.0.2.1") as c:
        for attempt in range(CLIENT_FAILURES):
            assert (await look_up(c, 1000 + attempt, "x@example.com")).status_code == 404
        blocked = await look_up(c, ann["case_number"], "ann@example.com")  # right, but too late
        assert blocked.status_code == 429
        assert "too many attempts" in blocked.text
    for attempt in range(NUMBER_FAILURES):  # guessers on many addresses, one case number
        async with visitor(client, f"192.0.2.{100 + attempt}") as c:
            await look_up(c, ann["case_number"], f"guess{attempt}@example.com")
    async with visitor(client, "192.0.2.250") as c:
        assert (await look_up(c, ann["case_number"], "ann@example.com")).status_code == 429
    async with runtime.sessions() as session:
        clients = set(await session.scalars(select(CaseLookup.client)))
    assert "192.0.2.1" not in clients
    assert all(len(k) == 32 for k in clients)


async def test_a_signed_link_opens_only_its_case(client: httpx.AsyncClient, world: World) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    bob = await contact(client, world, "bob@example.com", "+442079460019", "two")
    made = await client.post(
        f"{API}/cases/{ann['case_id']}/status-link", headers=world.auth("agent")
    )
    assert made.status_code == 200, made.text
    url = made.json()["url"]
    assert url.startswith("http://testserver/help/acme/status/link/")
    path = url.removeprefix("http://testserver")
    async with visitor(client) as c:
        opened = await c.get(path)
        assert opened.status_code == 303
        page = await c.get(opened.headers["location"])
        assert f"Case {ann['case_number']}" in page.text
        assert f"Case {bob['case_number']}" not in page.text
    async with visitor(client) as c:
        token = path.rsplit("/", 1)[1]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        refused = await c.get(f"{HELP}/status/link/{forged}")
        assert refused.status_code == 404
        assert "not valid" in refused.text
        elsewhere = await c.get(f"/help/globex/status/link/{token}")  # signed for Acme only
        assert elsewhere.status_code == 404
        assert (await c.get("/help/globex/status/case")).status_code in (303, 307)
    planner = await client.post(
        f"{API}/cases/{ann['case_id']}/status-link", headers=world.auth("planner")
    )
    assert planner.status_code == 403
    other = await client.post(
        f"{API}/cases/{ann['case_id']}/status-link", headers=world.auth("other_admin")
    )
    assert other.status_code == 404


async def test_a_visit_staff_registered_shows_as_staff_not_as_the_customer(
    client: httpx.AsyncClient, world: World
) -> None:
    ann = await contact(client, world, "ann@example.com", "+44 20 7946 0018", "Card blocked")
    visit = await client.post(
        f"{API}/inbound",
        headers=world.auth("agent"),
        json={
            "channel": "branch", "external_id": "visit-1", "body": "Came in with an ID",
            "sender": {"identities": [{"kind": "email", "value": "ann@example.com"}]},
        },
    )  # fmt: skip
    assert visit.status_code == 200, visit.text
    assert visit.json()["case_id"] == ann["case_id"]
    async with visitor(client) as c:
        found = await look_up(c, ann["case_number"], "ann@example.com")
        page = (await c.get(found.headers["location"])).text
    who = re.findall(r'<li class="[^"]*author-(\w+)"[^>]*>\s*<p class="who">([^·]*)·', page)
    assert [(kind, text.strip()) for kind, text in who] == [
        ("customer", "You"),
        ("staff", "Acme staff, on your behalf"),
    ]
