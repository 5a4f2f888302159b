"""The fake channel: its signed webhook in, and its recorded sends out."""

import hashlib
import hmac
import json
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from omniline.channels.base import SendFailed
from omniline.channels.fake.adapter import FakeChannel
from omniline.models import DeliveryStatus, InboundFailure, JobStatus, Message, Tenant
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from tests.channels.helpers import add_account, load_message, queue_reply
from tests.jobs.helpers import MovableClock, load_job

SECRET = "fake-secret"
HOOK = "/api/v1/hooks/acme/fakechat"


@pytest.fixture
async def acme(runtime: Runtime) -> Tenant:
    """A tenant with a signed fake channel account."""
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    await work.commit()
    await work.session.close()
    await add_account(runtime, tenant.id, kind="fake", name="fakechat", secret=SECRET)
    return tenant


def signed(doc: object) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(doc).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Fake-Signature": signature, "Content-Type": "application/json"}


async def count(runtime: Runtime, model: type[Message] | type[InboundFailure]) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def fake_of(runtime: Runtime) -> FakeChannel:
    adapter = runtime.channels.get("fake")
    assert isinstance(adapter, FakeChannel)
    return adapter


async def test_a_correctly_signed_webhook_creates_a_message(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant
) -> None:
    body, headers = signed({"id": "f-1", "from": "user-42", "text": "hi there", "thread": 9})
    response = await client.post(HOOK, content=body, headers=headers)
    assert response.status_code == 200, response.text
    [landed] = response.json()
    message = await load_message(runtime, uuid.UUID(landed["message_id"]))
    assert (message.channel, message.body, message.external_id) == ("fakechat", "hi there", "f-1")
    assert message.tenant_id == acme.id


async def test_the_webhook_also_answers_by_tenant_id_and_takes_a_list(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant
) -> None:
    body, headers = signed([{"id": "a", "from": "u"}, {"id": "b", "from": "u", "text": "2"}])
    response = await client.post(f"/api/v1/hooks/{acme.id}/fakechat", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 2
    assert await count(runtime, Message) == 2


async def test_a_wrong_signature_is_refused_and_the_request_is_kept(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant
) -> None:
    body, _ = signed({"id": "f-1", "from": "user-42", "text": "hi"})
    refused = []
    for signature in ("0" * 64, "", "not even hex"):
        response = await client.post(HOOK, content=body, headers={"X-Fake-Signature": signature})
        refused.append(response)
    refused.append(
        await client.post(HOOK, content=body, headers={"X-Fake-Signature": "é".encode()})
    )
    refused.append(await client.post(HOOK, content=body))

    assert [r.status_code for r in refused] == [401] * 5
    assert all("signature" in r.json()["error"]["message"] for r in refused)
    assert await count(runtime, Message) == 0
    async with runtime.sessions() as session:
        kept = list(await session.scalars(select(InboundFailure)))
    failure_ids = {r.json()["error"]["details"]["failure_id"] for r in refused}
    assert {str(f.id) for f in kept} == failure_ids
    assert all((f.tenant_id, f.channel, f.payload) == (acme.id, "fakechat", body) for f in kept)
    assert all(f.error.startswith("not verified: ") for f in kept)


@pytest.mark.parametrize(
    "raw",
    [b'{"id": "f-1", "from"', b'{"text": "no id"}', b"[1, 2]", b'{"id": "", "from": "u"}'],
)
async def test_an_unreadable_body_is_kept_and_refused_with_422(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant, raw: bytes
) -> None:
    signature = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = await client.post(HOOK, content=raw, headers={"X-Fake-Signature": signature})
    assert response.status_code == 422
    failure_id = response.json()["error"]["details"]["failure_id"]
    async with runtime.sessions() as session:
        failure = await session.get(InboundFailure, uuid.UUID(failure_id))
    assert failure is not None
    assert (failure.tenant_id, failure.channel, failure.payload) == (
        acme.id,
        "fakechat",
        raw,
    )
    assert "not a fake payload" in failure.error
    assert await count(runtime, Message) == 0


async def test_an_unknown_account_or_tenant_answers_404(
    client: httpx.AsyncClient, acme: Tenant
) -> None:
    body, headers = signed({"id": "f-1", "from": "u"})
    for path in ("/api/v1/hooks/acme/nope", "/api/v1/hooks/globex/fakechat"):
        assert (await client.post(path, content=body, headers=headers)).status_code == 404


async def conversation(client: httpx.AsyncClient) -> uuid.UUID:
    body, headers = signed({"id": "f-1", "from": "user-42", "text": "hi", "thread": "t-9"})
    response = await client.post(HOOK, content=body, headers=headers)
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()[0]["interaction_id"])


async def test_a_reply_goes_out_through_the_fake_twin(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant
) -> None:
    interaction_id = await conversation(client)
    message_id, _ = await queue_reply(runtime, acme.id, interaction_id, "hello back")
    await runtime.worker.run_due()

    [sent] = fake_of(runtime).sent
    assert (sent.message_id, sent.body, sent.thread_ref) == (message_id, "hello back", "t-9")
    assert [(r.kind, r.value) for r in sent.recipients] == [("external", "user-42")]
    message = await load_message(runtime, message_id)
    assert (message.delivery_status, message.external_id) == (DeliveryStatus.DELIVERED, "fake-1")


async def test_a_send_that_may_pass_later_is_retried_and_a_final_one_is_not(
    runtime: Runtime, client: httpx.AsyncClient, acme: Tenant, clock: MovableClock
) -> None:
    fake = fake_of(runtime)
    fake.fail_next = [SendFailed("provider busy"), SendFailed("blocked user", retry=False)]
    interaction_id = await conversation(client)
    message_id, job_id = await queue_reply(runtime, acme.id, interaction_id, "hello back")

    await runtime.worker.run_due()
    assert (await load_job(runtime.sessions, job_id)).status == JobStatus.PENDING
    clock.advance(seconds=2)
    await runtime.worker.run_due()

    message = await load_message(runtime, message_id)
    assert (message.delivery_status, message.delivery_error) == (
        DeliveryStatus.FAILED,
        "blocked user",
    )
    assert (await load_job(runtime.sessions, job_id)).status == JobStatus.DONE
    assert fake.sent == []
