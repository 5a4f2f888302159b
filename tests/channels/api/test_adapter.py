"""The API channel's outbound path: agent replies POSTed, signed, to a real HTTP webhook."""

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from omniline.channels.api.adapter import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ApiChannel,
    sign,
)
from omniline.channels.base import AccountConfig, OutboundMessage, SendFailed
from omniline.channels.tasks import send_message_handler
from omniline.customers.service import IdentityClaim
from omniline.jobs.worker import LEASE, Worker
from omniline.kit.egress import EgressPolicy
from omniline.models import DeliveryStatus, Job, JobStatus
from omniline.runtime import Runtime
from tests.channels.helpers import (
    add_account,
    jobs_of,
    load_message,
    open_conversation,
    queue_reply,
)
from tests.channels.peer import Peer, closed_port_url
from tests.conftest import World
from tests.jobs.helpers import MovableClock, load_job
from tests.support.dns import Dns

SECRET = "whsec-test-1"


async def reply(
    runtime: Runtime, world: World, interaction_id: uuid.UUID, body: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """The agent's reply, queued."""
    return await queue_reply(
        runtime, world.tenant.id, interaction_id, body, world.users["agent"].id
    )


async def webform(runtime: Runtime, client: httpx.AsyncClient, world: World, url: str) -> uuid.UUID:
    """The tenant's web form account pointing at a webhook, and a conversation on it."""
    await add_account(
        runtime,
        world.tenant.id,
        kind="api",
        name="webform",
        config={"webhook_url": url},
        secret=SECRET,
    )
    return await open_conversation(client, world, "webform")


async def test_a_reply_reaches_the_webhook_signed_and_is_delivered(
    runtime: Runtime, client: httpx.AsyncClient, world: World, peer: Peer
) -> None:
    interaction_id = await webform(runtime, client, world, f"{peer.url}/hooks/omniline")
    message_id, _ = await reply(runtime, world, interaction_id, "Your card works again")

    assert await runtime.worker.run_due() == 1

    [request] = peer.received
    assert request.path == "/hooks/omniline"
    assert request.headers["content-type"] == "application/json"
    timestamp = request.headers[TIMESTAMP_HEADER.lower()]
    assert request.headers[SIGNATURE_HEADER.lower()] == sign(SECRET, timestamp, request.body)
    assert request.headers[SIGNATURE_HEADER.lower()] != sign("wrong", timestamp, request.body)
    doc = json.loads(request.body)
    assert doc["message_id"] == str(message_id)
    assert doc["interaction_id"] == str(interaction_id)
    assert doc["channel"] == "webform"
    assert doc["thread"] == "t-1"
    assert doc["body"] == "Your card works again"
    assert {"kind": "email", "value": "ada@example.com"} in doc["recipients"]

    message = await load_message(runtime, message_id)
    assert message.delivery_status == DeliveryStatus.DELIVERED
    assert message.external_id == "peer-1"
    assert message.delivery_error is None
    events = await runtime.hub.load(world.tenant.id, 0)
    [event] = [e for e in events if e.kind == "message.delivery_changed"]
    assert event.data == {"message_id": str(message_id), "status": "delivered", "error": None}
    assert event.interaction_id == interaction_id


async def test_a_server_error_is_retried_until_the_peer_takes_it(
    runtime: Runtime, client: httpx.AsyncClient, world: World, peer: Peer, clock: MovableClock
) -> None:
    interaction_id = await webform(runtime, client, world, f"{peer.url}/hook")
    message_id, job_id = await reply(runtime, world, interaction_id, "hello")
    peer.answer(500)
    peer.answer(503)

    await runtime.worker.run_due()
    waiting = await load_message(runtime, message_id)
    assert waiting.delivery_status == DeliveryStatus.QUEUED
    assert waiting.delivery_error is not None
    assert "answered 500" in waiting.delivery_error
    job = await load_job(runtime.sessions, job_id)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert job.last_error is not None
    assert "answered 500" in job.last_error

    clock.advance(seconds=2)
    await runtime.worker.run_due()
    clock.advance(seconds=4)
    await runtime.worker.run_due()

    assert len(peer.received) == 3
    assert (await load_message(runtime, message_id)).delivery_status == DeliveryStatus.DELIVERED
    assert (await load_job(runtime.sessions, job_id)).status == JobStatus.DONE


async def test_a_refusal_fails_the_message_with_the_reason_and_is_not_retried(
    runtime: Runtime, client: httpx.AsyncClient, world: World, peer: Peer, clock: MovableClock
) -> None:
    interaction_id = await webform(runtime, client, world, f"{peer.url}/hook")
    message_id, job_id = await reply(runtime, world, interaction_id, "hello")
    peer.answer(400, b"unknown recipient")

    await runtime.worker.run_due()
    clock.advance(hours=2)
    assert await runtime.worker.run_due() == 0

    assert len(peer.received) == 1
    message = await load_message(runtime, message_id)
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error is not None
    assert message.delivery_error.endswith("refused the message: 400")
    assert "unknown recipient" not in message.delivery_error  # the peer's words are not echoed
    assert (await load_job(runtime.sessions, job_id)).status == JobStatus.DONE


async def test_an_unreachable_peer_is_retried_and_the_message_fails_on_the_last_try(
    runtime: Runtime, client: httpx.AsyncClient, world: World, clock: MovableClock
) -> None:
    interaction_id = await webform(runtime, client, world, closed_port_url())
    message_id, job_id = await reply(runtime, world, interaction_id, "hello")
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(Job).where(Job.id == job_id).values(max_attempts=2))

    await runtime.worker.run_due()
    job = await load_job(runtime.sessions, job_id)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert job.last_error is not None
    assert "cannot reach the webhook" in job.last_error
    waiting = await load_message(runtime, message_id)
    assert waiting.delivery_status == DeliveryStatus.QUEUED
    assert waiting.delivery_error is not None
    assert "cannot reach the webhook" in waiting.delivery_error

    clock.advance(seconds=2)
    await runtime.worker.run_due()
    failed = await load_message(runtime, message_id)
    assert failed.delivery_status == DeliveryStatus.FAILED
    assert failed.delivery_error is not None
    assert "cannot reach the webhook" in failed.delivery_error
    assert (await load_job(runtime.sessions, job_id)).status == JobStatus.DONE


async def test_a_reply_is_not_sent_twice_when_a_dead_workers_job_is_taken_again(
    runtime: Runtime, client: httpx.AsyncClient, world: World, peer: Peer, clock: MovableClock
) -> None:
    interaction_id = await webform(runtime, client, world, f"{peer.url}/hook")
    message_id, job_id = await reply(runtime, world, interaction_id, "hello")
    real_send = send_message_handler(runtime.sessions, runtime.work, runtime.channels)
    sent = asyncio.Event()

    async def send_then_die(payload: dict[str, Any]) -> None:
        await real_send(payload)
        sent.set()
        await asyncio.Event().wait()  # the process hangs before it records the job as done

    dying = asyncio.create_task(
        Worker(runtime.sessions, {"messages.send": send_then_die}).run_due()
    )
    try:
        await asyncio.wait_for(sent.wait(), 10)
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await runtime.worker.run_due() == 1
    finally:
        dying.cancel()

    assert len(peer.received) == 1
    assert (await load_message(runtime, message_id)).delivery_status == DeliveryStatus.DELIVERED
    job = await load_job(runtime.sessions, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert len(await jobs_of(runtime, "messages.send")) == 1


async def test_without_a_webhook_the_reply_waits_to_be_fetched(
    runtime: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    await add_account(runtime, world.tenant.id, kind="api", name="webform")
    interaction_id = await open_conversation(client, world, "webform")
    message_id, _ = await reply(runtime, world, interaction_id, "hello")
    await runtime.worker.run_due()
    assert (await load_message(runtime, message_id)).delivery_status == DeliveryStatus.SENT


async def test_a_redirect_is_not_taken_for_delivery(
    runtime: Runtime, client: httpx.AsyncClient, world: World, peer: Peer
) -> None:
    interaction_id = await webform(runtime, client, world, f"{peer.url}/hook")
    message_id, _ = await reply(runtime, world, interaction_id, "hello")
    peer.answer(301)
    await runtime.worker.run_due()
    message = await load_message(runtime, message_id)
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error is not None
    assert "redirect (301)" in message.delivery_error


def hook_account(url: str) -> AccountConfig:
    return AccountConfig(uuid.uuid4(), "webform", "api", {"webhook_url": url}, SECRET)


def a_reply() -> OutboundMessage:
    return OutboundMessage(
        tenant_id=uuid.uuid4(),
        message_id=uuid.uuid4(),
        interaction_id=uuid.uuid4(),
        channel="webform",
        recipients=[IdentityClaim("email", "ada@example.com")],
        body="hello",
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "localhost"])
async def test_a_webhook_on_a_refused_address_is_not_called(peer: Peer, host: str) -> None:
    port = peer.url.rsplit(":", 1)[1]
    adapter = ApiChannel(EgressPolicy())  # an installation that allows public addresses only

    with pytest.raises(SendFailed) as failed:
        await adapter.send(hook_account(f"http://{host}:{port}/hook?token=s3cret"), a_reply())

    assert failed.value.retry is False
    assert "a loopback address, which this installation does not connect to" in str(failed.value)
    assert "s3cret" not in str(failed.value)
    assert peer.received == []


async def test_a_webhook_is_called_at_the_address_checked_with_its_host_name(peer: Peer) -> None:
    # "hooks.acme.test" is known to no real resolver: the request can only arrive if it goes
    # to the address the policy resolved and checked; the Host header keeps the name
    port = peer.url.rsplit(":", 1)[1]
    dns = Dns({"hooks.acme.test": ["127.0.0.1"]})
    adapter = ApiChannel(EgressPolicy.parse("loopback", resolver=dns))

    result = await adapter.send(hook_account(f"http://hooks.acme.test:{port}/in"), a_reply())

    assert result.delivered is True
    [request] = peer.received
    assert (request.path, request.headers["host"]) == ("/in", f"hooks.acme.test:{port}")
    assert dns.asked == ["hooks.acme.test"]


async def test_an_attachment_is_a_web_address_or_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    """Agents open attachments as links: a javascript: or data: address would run or show
    the sender's content in the desk, so the API channel refuses it, naming the field."""
    for url in ("javascript:alert(document.cookie)", "data:text/html,<script>x()</script>",
                "JaVaScRiPt://%0aalert(1)", "//evil.example/x"):  # fmt: skip
        body = {
            "channel": "webform", "external_id": f"att-{uuid.uuid4().hex}", "body": "see file",
            "sender": {"identities": [{"kind": "email", "value": "ada@example.com"}]},
            "attachments": [{"name": "statement.pdf", "url": url}],
        }  # fmt: skip
        refused = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
        assert refused.status_code == 422, (url, refused.text)
        assert "url" in refused.text
    body["attachments"] = [{"name": "statement.pdf", "url": "https://files.example.com/s.pdf"}]
    taken = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
    assert taken.status_code == 200, taken.text
