"""The e-mail endpoints' answers: the draft, refusals a person can act on, rights and
tenants, and the administrators' account settings."""

import uuid

import httpx
from sqlalchemy import select

from omniline.channels.email.adapter import EmailChannel
from omniline.models import AuditEntry, ChannelAccount, Interaction, Tenant
from omniline.runtime import Runtime
from omniline.users.service import add_membership, create_role, create_user
from tests.channels.email.helpers import account, configure, inbound, say, summary_url
from tests.channels.email.smtp import PASSWORD as SMTP_PASSWORD
from tests.channels.email.smtp import SmtpServer
from tests.channels.peer import service
from tests.conftest import PASSWORD, World


async def test_the_draft_is_the_conversation_without_internal_notes(
    runtime: Runtime, client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(
        client,
        world,
        "Where is my parcel?",
        identities=[
            {"kind": "email", "value": "ada@example.com"},
            {"kind": "email", "value": "ada@work.example"},
        ],
    )
    await say(client, world, source_id, "It left the depot this morning.")
    await say(client, world, source_id, "checked the depot system", internal=True)

    response = await client.get(summary_url(world, source_id), headers=world.auth("agent"))

    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["to"] == "ada@example.com"
    assert draft["addresses"] == ["ada@example.com", "ada@work.example"]
    assert draft["masked"] is False
    assert draft["subject"].startswith("Summary of your conversation with Acme (case ")
    body = draft["body"]
    assert body.startswith("Hello Ada Lovelace,\n")
    assert "You: Where is my parcel?" in body
    assert "Agent: It left the depot this morning." in body
    assert "depot system" not in body
    assert body.rstrip().endswith("Kind regards,\nAcme")
    async with runtime.sessions() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "customer.pii_read")
            )
        )
    assert [r.data for r in reads] == [{"fields": ["email"]}]


async def test_an_edited_summary_goes_to_the_chosen_address(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(
        client,
        world,
        "Hi",
        identities=[
            {"kind": "email", "value": "ada@example.com"},
            {"kind": "email", "value": "ada@work.example"},
        ],
    )
    response = await client.post(
        summary_url(world, source_id),
        json={"to": "ADA@work.example", "subject": "Your parcel", "body": "It is on its way."},
        headers=world.auth("agent"),
    )
    assert response.status_code == 202, response.text
    await runtime.worker.run_due()

    [mail] = smtp_server.mailbox.received
    assert mail.rcpt_tos == ["ada@work.example"]
    assert mail.message["Subject"] == "Your parcel"
    text = mail.message.get_body(("plain",))
    assert text is not None
    assert text.get_content().strip() == "It is on its way."


async def test_a_second_summary_answers_in_the_first_ones_thread(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(client, world, "Hi")
    first = await client.post(summary_url(world, source_id), json={}, headers=world.auth("agent"))
    second = await client.post(summary_url(world, source_id), json={}, headers=world.auth("agent"))
    await runtime.worker.run_due()

    mails = [m.message for m in smtp_server.mailbox.received]
    [earlier] = [m for m in mails if m["In-Reply-To"] is None]
    [later] = [m for m in mails if m["In-Reply-To"] is not None]
    assert later["In-Reply-To"] == earlier["Message-ID"]
    assert later["References"] == earlier["Message-ID"]
    ids = [uuid.UUID(r.json()["interaction_id"]) for r in (first, second)]
    async with runtime.sessions() as session:
        rows = await session.scalars(select(Interaction).where(Interaction.id.in_(ids)))
        threads = {row.thread_ref for row in rows}
    assert threads == {earlier["Message-ID"]}


async def test_without_an_account_an_administrator_must_set_it_up(
    client: httpx.AsyncClient, world: World
) -> None:
    source_id = await inbound(client, world, "Hi")
    for method in ("GET", "POST"):
        response = await client.request(
            method,
            summary_url(world, source_id),
            json={} if method == "POST" else None,
            headers=world.auth("agent"),
        )
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert "an administrator must configure" in error["message"]


async def test_a_customer_without_an_address_is_refused_clearly(
    client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(
        client, world, "Call me", identities=[{"kind": "phone", "value": "+447700900123"}]
    )

    draft = await client.get(summary_url(world, source_id), headers=world.auth("agent"))
    sent = await client.post(summary_url(world, source_id), json={}, headers=world.auth("agent"))

    assert draft.status_code == 200
    assert (draft.json()["to"], draft.json()["addresses"]) == (None, [])
    assert sent.status_code == 422
    assert "the customer has no e-mail address" in sent.json()["error"]["message"]


async def test_bad_summaries_are_refused_with_a_reason(
    client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(client, world, "Hi")
    for body, problem in [
        ({"subject": "Hi\r\nBcc: eve@example.com"}, "subject"),
        ({"body": "   "}, "empty"),
        ({"cc": "eve@example.com"}, "cc"),
        ({"to": "eve@example.com"}, "not an e-mail address of this customer"),
    ]:
        response = await client.post(
            summary_url(world, source_id), json=body, headers=world.auth("agent")
        )
        assert response.status_code == 422, body
        assert problem in response.json()["error"]["message"]


async def test_rights_and_tenants(
    client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(client, world, "Hi")
    url = summary_url(world, source_id)

    planner = await client.post(url, json={}, headers=world.auth("planner"))
    outsider = await client.post(url, json={}, headers=world.auth("other_admin"))
    elsewhere = await client.post(
        summary_url(world, source_id, tenant=world.other.slug),
        json={},
        headers=world.auth("other_admin"),
    )
    unknown = await client.post(
        summary_url(world, uuid.uuid4()), json={}, headers=world.auth("agent")
    )

    assert planner.status_code == 403
    assert "messages.send" in planner.json()["error"]["message"]
    assert outsider.status_code == 404
    assert elsewhere.status_code == 404  # another tenant's interaction does not exist there
    assert unknown.status_code == 404
    draft = await client.get(
        summary_url(world, source_id, tenant=world.other.slug), headers=world.auth("other_admin")
    )
    assert draft.status_code == 404


# --- the account ---------------------------------------------------------------------------


async def test_the_account_is_set_read_and_removed_without_showing_the_password(
    runtime: Runtime, client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    url = f"/api/v1/tenants/{world.tenant.slug}/email"
    assert (await client.get(url, headers=world.auth("admin"))).status_code == 404

    made = await configure(client, world, smtp_server, smtp_port=None, from_name="Acme  ")
    read = (await client.get(url, headers=world.auth("admin"))).json()

    assert made == read
    assert read["smtp_port"] == 587
    assert read["from_name"] == "Acme"
    assert read["smtp_password_set"] is True
    assert SMTP_PASSWORD not in str(read)
    changed = await client.put(
        url, json={**account(smtp_server), "smtp_password": None}, headers=world.auth("admin")
    )
    assert changed.json()["smtp_password_set"] is True  # left out: kept
    async with runtime.sessions() as session:
        row = await session.scalar(select(ChannelAccount).where(ChannelAccount.kind == "email"))
        entries = list(await session.scalars(select(AuditEntry.data)))
    assert row is not None
    assert row.secret == SMTP_PASSWORD
    assert not any(SMTP_PASSWORD in str(e) for e in entries)

    assert (await client.delete(url, headers=world.auth("admin"))).status_code == 204
    assert (await client.get(url, headers=world.auth("admin"))).status_code == 404


async def test_account_settings_are_checked_and_only_administrators_set_them(
    client: httpx.AsyncClient, world: World, smtp_server: SmtpServer
) -> None:
    url = f"/api/v1/tenants/{world.tenant.slug}/email"
    cases = [
        ({"from_address": "support"}, "from_address"),
        ({"smtp_host": "smtp://mail.example.com"}, "host name"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"smtp_security": "ssl"}, "smtp_security"),
        ({"from_name": "Acme\nBcc: eve@example.com"}, "one line"),
        ({"smtp_host": "mail.example.com", "smtp_security": "none"}, "unencrypted"),
        ({"smtp_password": ""}, "give the password"),
        ({"smtp_username": ""}, "user name"),
        ({"colour": "blue"}, "colour"),
    ]
    for changes, problem in cases:
        response = await client.put(
            url, json=account(smtp_server, **changes), headers=world.auth("admin")
        )
        assert response.status_code == 422, (changes, response.text)
        assert problem in response.json()["error"]["message"], changes
    for who in ("supervisor", "agent"):
        response = await client.put(url, json=account(smtp_server), headers=world.auth(who))
        assert response.status_code == 403
        assert (await client.get(url, headers=world.auth(who))).status_code == 403
    other = await client.get(url, headers=world.auth("other_admin"))
    assert other.status_code == 404


async def test_administrators_can_try_the_settings(
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    url = f"/api/v1/tenants/{world.tenant.slug}/email/check"
    assert (await client.post(url, headers=world.auth("admin"))).status_code == 404
    await configure(client, world, smtp_server)
    good = await client.post(url, headers=world.auth("admin"))
    await configure(client, world, smtp_server, smtp_password="wrong")
    bad = await client.post(url, headers=world.auth("admin"))
    agent = await client.post(url, headers=world.auth("agent"))

    assert good.json() == {"ok": True, "error": None, "retry": None}
    assert bad.json()["ok"] is False
    assert bad.json()["retry"] is False
    assert "refused the login (535 5.7.8)" in bad.json()["error"]
    assert "credentials invalid" not in bad.json()["error"].lower()  # the code, not the words
    assert agent.status_code == 403
    assert smtp_server.mailbox.received == []


async def test_a_server_named_by_host_name_is_checked_with_tls_for_that_name(
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    # the connection goes to the address the policy checked; the certificate is checked
    # against the name (the test certificate holds "localhost" and 127.0.0.1)
    await configure(client, world, smtp_server, smtp_host="localhost")
    url = f"/api/v1/tenants/{world.tenant.slug}/email/check"
    good = await client.post(url, headers=world.auth("admin"))
    assert good.json() == {"ok": True, "error": None, "retry": None}


async def test_a_check_says_what_went_wrong_never_what_the_server_said(
    client: httpx.AsyncClient, world: World
) -> None:
    cases = [
        (b"SSH-2.0-OpenSSH_9.6 build-internal-42\r\n", "does not answer as an SMTP server does"),
        (b"-ERR wrong number of arguments for 'internal-42'\r\n", "does not answer as an SMTP"),
        (b"554 5.7.1 relay internal-42 says go away\r\n", "answered 554 5.7.1"),
        (b"421 internal-42 busy\r\n", "answered 421"),
    ]
    url = f"/api/v1/tenants/{world.tenant.slug}/email"
    for banner, said in cases:
        async with service(banner) as target:
            relay = {"from_address": "support@acme.test", "smtp_host": "127.0.0.1"}
            relay.update(smtp_port=target.port, smtp_security="none")
            saved = await client.put(url, json=relay, headers=world.auth("admin"))
            assert saved.status_code == 200, saved.text
            check = await client.post(url + "/check", headers=world.auth("admin"))

        assert target.connections == 1
        answer = check.json()
        assert answer["ok"] is False
        assert said in answer["error"], (banner, answer)
        assert "internal-42" not in answer["error"]


async def test_a_role_that_may_not_read_addresses_sees_them_masked(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    work = runtime.work()
    tenant = await work.session.get(Tenant, world.tenant.id)
    assert tenant is not None
    await create_role(
        work, tenant, "writer", ["interactions.read", "interactions.write", "messages.send"]
    )
    user = await create_user(work, email="writer@acme.test", name="Wren", password=PASSWORD)
    await add_membership(work, tenant, user, "writer")
    await work.commit()
    await work.session.close()
    login = await client.post(
        "/api/v1/auth/login", json={"email": "writer@acme.test", "password": PASSWORD}
    )
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    await configure(client, world, smtp_server)
    source_id = await inbound(client, world, "Hi")

    draft = await client.get(summary_url(world, source_id), headers=headers)
    sent = await client.post(summary_url(world, source_id), json={}, headers=headers)
    await runtime.worker.run_due()

    assert (draft.json()["to"], draft.json()["masked"]) == ("a***@example.com", True)
    assert (sent.json()["to"], sent.json()["masked"]) == ("a***@example.com", True)
    assert smtp_server.mailbox.received[0].rcpt_tos == ["ada@example.com"]
    async with runtime.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "customer.pii_read" not in actions
