"""Case status on the portal: proof, the public view, replies, rate limits, no leaks."""

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from omniline.channels.email.adapter import EmailChannel
from omniline.models import AuditEntry, CaseLookup, Message
from omniline.portal.codes import WRONG_CODE
from omniline.portal.status import CLIENT_FAILURES, NUMBER_FAILURES
from omniline.runtime import Runtime
from tests.channels.email.helpers import configure
from tests.channels.email.smtp import SmtpServer
from tests.conftest import World
from tests.jobs.helpers import MovableClock
from tests.portal.test_pages import token_of

API = "/api/v1/tenants/acme"
HELP = "/help/acme"


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


@dataclass
class Mail:
    """The tenant's e-mail, sent to the test's mail server: where codes arrive."""

    runtime: Runtime
    server: SmtpServer

    def codes_to(self, address: str) -> list[str]:
        """The codes mailed to an address so far, oldest first."""
        found = []
        for mail in self.server.mailbox.received:
            if address in mail.rcpt_tos:
                text = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found += re.findall(r"help portal: (\d{6})", text)
        return found


@pytest.fixture
async def mail(
    client: httpx.AsyncClient,
    world: World,
    runtime: Runtime,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> Mail:
    await configure(client, world, smtp_server)
    return Mail(runtime, smtp_server)


async def ask_code(c: httpx.AsyncClient, number: object, contact_detail: str) -> httpx.Response:
    form = await c.get(f"{HELP}/status")
    return await c.post(
        f"{HELP}/status",
        data={"token": token_of(form.text), "number": str(number), "contact": contact_detail},
    )


async def give_code(c: httpx.AsyncClient, code: str) -> httpx.Response:
    form = await c.get(f"{HELP}/status/code")
    return await c.post(f"{HELP}/status/code", data={"token": token_of(form.text), "code": code})


async def look_up(
    c: httpx.AsyncClient, mail: Mail, number: object, contact_detail: str
) -> httpx.Response:
    """The whole proof: ask for a code, read it in the mailbox, give it back."""
    asked = await ask_code(c, number, contact_detail)
    if asked.status_code != 303:
        return asked
    await mail.runtime.worker.run_due()
    sent = mail.codes_to(contact_detail.strip().lower())
    return await give_code(c, sent[-1] if sent else "000000")


async def test_the_customer_sees_status_and_public_replies_and_can_answer(
    client: httpx.AsyncClient, world: World, runtime: Runtime, mail: Mail
) -> None:
    ann = await contact(
        client, world, "ann@example.com", "+44 20 7946 0018", "My card <b>is</b> gone"
    )
    await reply(client, world, ann["interaction_id"], body="We blocked it. <script>x()</script>")
    await reply(client, world, ann["interaction_id"], body="VIP, be nice", internal=True)
    async with visitor(client) as c:
        found = await look_up(c, mail, ann["case_number"], " ANN@example.com ")
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
        # codes go by e-mail only until the tenant has a text-message channel
        by_phone = await ask_code(c, ann["case_number"], "020 7946 0018")
        assert by_phone.status_code == 422
        assert "give the e-mail address" in by_phone.text
    async with runtime.sessions() as session:
        joined = list(await session.scalars(select(Message).where(Message.body.like("Thanks!%"))))
        viewed = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "case.status_viewed")
        )
    assert len(joined) == 1
    assert viewed is not None
    messages = await client.get(f"{API}/cases/{ann['case_id']}", headers=world.auth("agent"))
    assert messages.status_code == 200


async def test_a_reply_reopens_a_resolved_case(
    client: httpx.AsyncClient, world: World, mail: Mail
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "Where is my statement?")
    changed = await client.patch(
        f"{API}/cases/{ann['case_id']}",
        headers=world.auth("supervisor"),
        json={"status": "resolved", "end_open_contacts": "answered by phone"},
    )
    assert changed.status_code == 200, changed.text
    async with visitor(client) as c:
        page = await c.get(
            (await look_up(c, mail, ann["case_number"], "ann@example.com")).headers["location"]
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


async def test_knowing_the_number_and_the_address_is_not_enough(
    client: httpx.AsyncClient, world: World, mail: Mail, clock: MovableClock
) -> None:
    """H1: a stranger who knows Ann's address and case number is sent nothing and sees the
    same pages as Ann; only the code in Ann's mailbox opens the case, once, for ten minutes."""
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    bob = await contact(client, world, "bob@example.com", "+442079460019", "two")
    pages = []
    for number in range(1, 5):  # every number there is, with Ann's address
        async with visitor(client, f"198.51.100.{number}") as c:
            asked = await ask_code(c, number, "ann@example.com")
            assert asked.status_code == 303  # the same answer whatever matched
            page = (await c.get(f"{HELP}/status/code")).text
            pages.append(page.replace(token_of(page), ""))
            wrong = await give_code(c, "123456")
            assert wrong.status_code == 404
            assert WRONG_CODE in wrong.text
            assert f"Case {number}<" not in wrong.text
    assert len(set(pages)) == 1
    await mail.runtime.worker.run_due()
    assert len(mail.codes_to("ann@example.com")) == 1  # only for Ann's own case
    assert mail.codes_to("bob@example.com") == []
    assert bob["case_number"] != ann["case_number"]
    async with visitor(client, "198.51.100.77") as c:
        await ask_code(c, ann["case_number"], "ann@example.com")
        await mail.runtime.worker.run_due()
        code = mail.codes_to("ann@example.com")[-1]
        for _ in range(5):  # a guesser kills the code before they hit it
            assert (await give_code(c, "000001")).status_code == 404
        assert (await give_code(c, code)).status_code == 404
    async with visitor(client, "198.51.100.78") as c:
        await ask_code(c, ann["case_number"], "ann@example.com")
        await mail.runtime.worker.run_due()
        code = mail.codes_to("ann@example.com")[-1]
        clock.advance(minutes=11)
        assert (await give_code(c, code)).status_code == 404  # expired
    async with visitor(client, "198.51.100.79") as c:
        await ask_code(c, ann["case_number"], "ann@example.com")
        await mail.runtime.worker.run_due()
        code = mail.codes_to("ann@example.com")[-1]
        opened = await give_code(c, code)
        assert opened.status_code == 303
        page = await c.get(opened.headers["location"])
        assert f"Case {ann['case_number']}" in page.text
    async with visitor(client, "198.51.100.80") as c:
        again = await give_code(c, code)  # used once: never again, from anywhere
        assert again.status_code == 404
        nothing = await c.get(f"{HELP}/status/case", follow_redirects=False)
        assert nothing.status_code == 303  # no proof, no case


async def test_without_a_way_to_send_codes_the_portal_says_to_use_the_link(
    client: httpx.AsyncClient, world: World
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    async with visitor(client) as c:
        form = await c.get(f"{HELP}/status")
        assert 'name="contact"' not in form.text
        assert "link in our messages" in form.text
        token = token_of((await c.get(f"{HELP}/contact")).text)  # a post from an old page
        asked = await c.post(
            f"{HELP}/status",
            data={"token": token, "number": ann["case_number"], "contact": "ann@example.com"},
        )
        assert asked.status_code == 409
        assert "cannot send codes" in asked.text


async def test_failures_are_limited_per_address_and_per_case_number(
    client: httpx.AsyncClient, world: World, runtime: Runtime, mail: Mail
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "one")
    async with visitor(client, "192.0.2.1") as c:
        for attempt in range(CLIENT_FAILURES):
            assert (await ask_code(c, 1000 + attempt, "x@example.com")).status_code == 303
        blocked = await look_up(c, mail, ann["case_number"], "ann@example.com")  # too late
        assert blocked.status_code == 429
        assert "too many attempts" in blocked.text
    for attempt in range(NUMBER_FAILURES):  # guessers on many addresses, one case number
        async with visitor(client, f"192.0.2.{100 + attempt}") as c:
            await ask_code(c, ann["case_number"], f"guess{attempt}@example.com")
    async with visitor(client, "192.0.2.250") as c:
        assert (await ask_code(c, ann["case_number"], "ann@example.com")).status_code == 429
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
    client: httpx.AsyncClient, world: World, mail: Mail
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
        found = await look_up(c, mail, ann["case_number"], "ann@example.com")
        page = (await c.get(found.headers["location"])).text
    who = re.findall(r'<li class="[^"]*author-(\w+)"[^>]*>\s*<p class="who">([^·]*)·', page)
    assert [(kind, text.strip()) for kind, text in who] == [
        ("customer", "You"),
        ("staff", "Acme staff, on your behalf"),
    ]
