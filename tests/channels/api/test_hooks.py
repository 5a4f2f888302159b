"""The API channel's webhook (`/api/v1/hooks/{tenant}/{account}`): only requests signed with
the account's secret, recently, are taken; every other one is refused with 401 and kept, as
received, with the inbound failures."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from omniline.channels.api.adapter import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from omniline.models import InboundFailure, Message
from omniline.runtime import Runtime
from tests.channels.helpers import add_account, load_message
from tests.conftest import World
from tests.jobs.helpers import MovableClock

SECRET = "whsec_5Y8n2kQ"
HOOK = "/api/v1/hooks/acme/partner"
# the vector in docs/adr/0009-egress-and-signed-hooks.md, computed apart from our code:
#   printf '%s' "$TIMESTAMP.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
VECTOR_TIMESTAMP = "1796688000"  # 2026-12-08T00:00:00Z
VECTOR_BODY = (
    b'{"channel":"partner","external_id":"p-1","sender":{"identities":'
    b'[{"kind":"email","value":"ada@example.com"}]},"body":"Hello"}'
)
VECTOR_SIGNATURE = "sha256=96ddbb0176c958bd21cb8f85ec9821307f1cd8df57e67c06d6841e98131f21b8"


@pytest.fixture
async def partner(runtime: Runtime, world: World) -> None:
    """An API channel account of the tenant with a signing secret."""
    await add_account(runtime, world.tenant.id, kind="api", name="partner", secret=SECRET)


@pytest.fixture
def at_vector_time(clock: MovableClock) -> MovableClock:
    """The server's clock at the vector's timestamp."""
    clock.now = datetime.fromtimestamp(int(VECTOR_TIMESTAMP), UTC)
    return clock


def signed(body: bytes, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def doc(external_id: str) -> bytes:
    sender = {"identities": [{"kind": "email", "value": "ada@example.com"}]}
    message = {"channel": "partner", "external_id": external_id, "sender": sender, "body": "Hi"}
    return json.dumps(message).encode()


async def count(runtime: Runtime, model: type[Message] | type[InboundFailure]) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def failure(runtime: Runtime, response: httpx.Response) -> InboundFailure:
    failure_id = uuid.UUID(response.json()["error"]["details"]["failure_id"])
    async with runtime.sessions() as session:
        found = await session.get(InboundFailure, failure_id)
    assert found is not None
    return found


def test_the_signature_is_the_documented_vector() -> None:
    assert sign(SECRET, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


async def test_a_request_signed_as_documented_is_taken(
    runtime: Runtime, client: httpx.AsyncClient, partner: None, at_vector_time: MovableClock
) -> None:
    headers = {
        "Content-Type": "application/json",
        "X-Omniline-Timestamp": VECTOR_TIMESTAMP,
        "X-Omniline-Signature": VECTOR_SIGNATURE,
    }
    response = await client.post(HOOK, content=VECTOR_BODY, headers=headers)

    assert response.status_code == 200, response.text
    [landed] = response.json()
    message = await load_message(runtime, uuid.UUID(landed["message_id"]))
    assert (message.channel, message.external_id, message.body) == ("partner", "p-1", "Hello")


async def test_a_timestamp_within_five_minutes_either_way_is_taken(
    client: httpx.AsyncClient, partner: None, clock: MovableClock
) -> None:
    now = int(clock.now.timestamp())
    for n, timestamp in enumerate((now - 299, now + 299)):
        body = doc(f"p-{n}")
        response = await client.post(HOOK, content=body, headers=signed(body, str(timestamp)))
        assert response.status_code == 200, response.text


async def test_anything_not_signed_recently_with_the_secret_is_refused_and_kept(
    runtime: Runtime, client: httpx.AsyncClient, partner: None, clock: MovableClock
) -> None:
    body = doc("p-1")
    now = int(clock.now.timestamp())
    fresh = signed(body, str(now))
    cases: list[tuple[dict[str, str], bytes, str]] = [
        ({"Content-Type": "application/json"}, body, "Timestamp must be the Unix time"),
        ({TIMESTAMP_HEADER: str(now)}, body, "Signature is not sha256="),
        (signed(body, str(now), secret="guessed"), body, "Signature is not"),
        (fresh, body.replace(b"Hi", b"Pay"), "Signature is not"),  # body changed on the way
        ({**fresh, SIGNATURE_HEADER: fresh[SIGNATURE_HEADER].upper()}, body, "Signature is not"),
        (signed(body, str(now - 301)), body, "more than 5 minutes"),  # a replay, later
        (signed(body, str(now + 301)), body, "more than 5 minutes"),
        (signed(body, f"{now}.5"), body, "Timestamp must be the Unix time"),
        (signed(body, f"+{now}"), body, "Timestamp must be the Unix time"),
    ]
    for headers, sent, problem in cases:
        response = await client.post(HOOK, content=sent, headers=headers)

        assert response.status_code == 401, (headers, response.text)
        assert problem in response.json()["error"]["message"], headers
        kept = await failure(runtime, response)
        assert (kept.channel, kept.payload) == ("partner", sent)
        assert kept.error.startswith("not verified: ")
    assert await count(runtime, Message) == 0
    assert await count(runtime, InboundFailure) == len(cases)


async def test_an_account_without_a_secret_takes_no_webhooks(
    runtime: Runtime, client: httpx.AsyncClient, world: World, clock: MovableClock
) -> None:
    await add_account(runtime, world.tenant.id, kind="api", name="open")
    body = doc("p-1")
    timestamp = str(int(clock.now.timestamp()))
    for secret in ("", "anything"):
        response = await client.post(
            "/api/v1/hooks/acme/open", content=body, headers=signed(body, timestamp, secret)
        )
        assert response.status_code == 401
        assert "no signing secret" in response.json()["error"]["message"]
    assert await count(runtime, Message) == 0


async def test_a_signed_payload_that_is_not_utf8_is_kept_byte_exact(
    runtime: Runtime, client: httpx.AsyncClient, partner: None, clock: MovableClock
) -> None:
    raw = b'{"channel":"partner","external_id":"p-1","body":"caf\xe9 \xff\xfe\x00\x80"}'
    timestamp = str(int(clock.now.timestamp()))
    response = await client.post(HOOK, content=raw, headers=signed(raw, timestamp))

    assert response.status_code == 422, response.text
    assert "kept as failure" in response.json()["error"]["message"]
    kept = await failure(runtime, response)
    assert (kept.channel, kept.payload, kept.content_type) == ("partner", raw, "application/json")
    assert await count(runtime, Message) == 0


async def test_the_replay_window_follows_the_servers_clock(
    client: httpx.AsyncClient, partner: None, clock: MovableClock
) -> None:
    body = doc("p-1")
    headers = signed(body, str(int(clock.now.timestamp())))
    clock.advance(seconds=timedelta(minutes=5).total_seconds() + 1)

    response = await client.post(HOOK, content=body, headers=headers)
    assert response.status_code == 401
