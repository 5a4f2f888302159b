"""The e-mail summary from the desk, end to end: the API, the outbox job and a real SMTP
server that insists on STARTTLS and a login."""

import uuid

import httpx
from sqlalchemy import select

from omniline.channels.email.adapter import EmailChannel
from omniline.models import (
    AuditEntry,
    DeliveryStatus,
    Interaction,
    InteractionStatus,
    Job,
    JobStatus,
)
from omniline.runtime import Runtime
from tests.channels.email.helpers import FROM, configure, inbound, say, summary_url
from tests.channels.email.smtp import USER, SmtpServer
from tests.channels.helpers import load_message
from tests.conftest import World
from tests.jobs.helpers import MovableClock


async def conversation(client: httpx.AsyncClient, world: World) -> uuid.UUID:
    """A chat with a customer line, an agent line, an internal note and some HTML."""
    interaction_id = await inbound(
        client, world, "My card is blocked <b>since</b> <script>x</script>"
    )
    await say(client, world, interaction_id, "I have unblocked it.\nTry again in 5 minutes.")
    await say(client, world, interaction_id, "customer sounded angry", internal=True)
    return interaction_id


async def summary_jobs(runtime: Runtime) -> list[Job]:
    async with runtime.sessions() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "messages.send"))
        return [j for j in jobs if j.status != JobStatus.DONE]


async def test_the_summary_goes_out_over_starttls_with_a_login(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await conversation(client, world)

    response = await client.post(
        summary_url(world, source_id), json={}, headers=world.auth("agent")
    )

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["to"] == "ada@example.com"
    assert answer["subject"].startswith("Summary of your conversation with Acme (case ")
    assert answer["delivery_status"] == "queued"
    assert smtp_server.mailbox.received == []  # the request does not wait for SMTP
    await runtime.worker.run_due()

    [mail] = smtp_server.mailbox.received
    assert mail.tls
    assert mail.login == USER
    assert mail.mail_from == FROM
    assert mail.rcpt_tos == ["ada@example.com"]
    message = mail.message
    assert message["From"] == "Acme Support <support@acme.test>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == answer["subject"]
    assert message["Date"] is not None
    assert message["In-Reply-To"] is None
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    assert text is not None
    assert markup is not None
    plain = text.get_content().replace("\r\n", "\n")
    html = markup.get_content()
    assert "You: My card is blocked <b>since</b> <script>x</script>" in plain
    assert "Agent: I have unblocked it.\n    Try again in 5 minutes." in plain
    assert "angry" not in plain
    assert "angry" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;since&lt;/b&gt;" in html

    stored = await load_message(runtime, uuid.UUID(answer["message_id"]))
    assert stored.delivery_status == DeliveryStatus.SENT
    assert stored.external_id == message["Message-ID"]
    assert stored.external_id == f"<{stored.id}@acme.test>"
    async with runtime.sessions() as session:
        source = await session.get(Interaction, source_id)
        made = await session.get(Interaction, uuid.UUID(answer["interaction_id"]))
    assert source is not None
    assert made is not None
    assert (made.case_id, made.customer_id) == (source.case_id, source.customer_id)
    assert (made.channel, made.direction) == ("email", "outbound")
    assert made.status == InteractionStatus.WRAPPED_UP
    assert made.agent_id == world.users["agent"].id
    assert made.thread_ref == stored.external_id
    events = await runtime.hub.load(world.tenant.id, 0)
    [changed] = [
        e for e in events if e.kind == "message.delivery_changed" and e.interaction_id == made.id
    ]
    assert changed.data == {"message_id": answer["message_id"], "status": "sent", "error": None}
    async with runtime.sessions() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert "email.summary_queued" in actions


async def test_a_temporary_refusal_is_tried_again_later(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
    clock: MovableClock,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await conversation(client, world)
    await runtime.worker.run_due()  # the agent's chat reply
    smtp_server.mailbox.answer("451 4.3.0 mailbox busy, try later")
    response = await client.post(
        summary_url(world, source_id), json={}, headers=world.auth("agent")
    )
    message_id = uuid.UUID(response.json()["message_id"])

    await runtime.worker.run_due()
    waiting = await load_message(runtime, message_id)
    assert waiting.delivery_status == DeliveryStatus.QUEUED
    assert waiting.delivery_error is not None
    assert waiting.delivery_error.endswith("answered 451 4.3.0")  # the code, not the words
    [job] = await summary_jobs(runtime)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert await runtime.worker.run_due() == 0  # not before its backoff

    clock.advance(seconds=3)
    await runtime.worker.run_due()

    assert len(smtp_server.mailbox.received) == 1
    assert smtp_server.mailbox.attempts == 2
    sent = await load_message(runtime, message_id)
    assert (sent.delivery_status, sent.delivery_error) == (DeliveryStatus.SENT, None)


async def test_a_permanent_refusal_fails_at_once_with_the_servers_reply_code(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
    clock: MovableClock,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await conversation(client, world)
    smtp_server.mailbox.answer("550 5.1.1 no such user here")
    response = await client.post(
        summary_url(world, source_id), json={}, headers=world.auth("agent")
    )
    message_id = uuid.UUID(response.json()["message_id"])

    await runtime.worker.run_due()
    clock.advance(hours=2)
    await runtime.worker.run_due()

    assert smtp_server.mailbox.attempts == 1
    failed = await load_message(runtime, message_id)
    assert failed.delivery_status == DeliveryStatus.FAILED
    assert failed.delivery_error is not None
    assert failed.delivery_error.endswith("answered 550 5.1.1")
    assert "no such user" not in failed.delivery_error
    assert await summary_jobs(runtime) == []
    events = await runtime.hub.load(world.tenant.id, 0)
    [changed] = [
        e
        for e in events
        if e.kind == "message.delivery_changed" and e.data["message_id"] == str(message_id)
    ]
    assert changed.data["status"] == "failed"
    assert "550 5.1.1" in changed.data["error"]


async def test_a_wrong_password_fails_and_says_who_must_act(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    await configure(client, world, smtp_server, smtp_password="wrong")
    source_id = await conversation(client, world)
    response = await client.post(
        summary_url(world, source_id), json={}, headers=world.auth("agent")
    )

    await runtime.worker.run_due()

    failed = await load_message(runtime, uuid.UUID(response.json()["message_id"]))
    assert failed.delivery_status == DeliveryStatus.FAILED
    assert failed.delivery_error is not None
    assert "refused the login" in failed.delivery_error
    assert "administrator" in failed.delivery_error
    assert smtp_server.mailbox.received == []


async def test_an_account_removed_before_sending_fails_the_message_not_passes_it(
    runtime: Runtime,
    client: httpx.AsyncClient,
    world: World,
    smtp_server: SmtpServer,
    email_channel: EmailChannel,
) -> None:
    await configure(client, world, smtp_server)
    source_id = await inbound(client, world, "Hi")
    response = await client.post(
        summary_url(world, source_id), json={}, headers=world.auth("agent")
    )
    removed = await client.delete(
        f"/api/v1/tenants/{world.tenant.slug}/email", headers=world.auth("admin")
    )
    assert removed.status_code == 204

    await runtime.worker.run_due()

    failed = await load_message(runtime, uuid.UUID(response.json()["message_id"]))
    assert failed.delivery_status == DeliveryStatus.FAILED
    assert failed.delivery_error is not None
    assert "an administrator must configure it" in failed.delivery_error
    assert smtp_server.mailbox.attempts == 0
