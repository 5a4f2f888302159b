"""Group commit: concurrent messages are stored together, one failure does not sink the rest."""

import asyncio
import uuid

import httpx
import pytest

from omniline.runtime import Runtime
from tests.conftest import World


def body(external_id: str, email: str, reason: str | None = None) -> dict[str, object]:
    doc: dict[str, object] = {
        "channel": "webform",
        "external_id": external_id,
        "sender": {"identities": [{"kind": "email", "value": email}]},
        "body": "hello",
    }
    if reason:
        doc["reason"] = reason
    return doc


async def test_a_burst_is_stored_in_batches_without_falling_back(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    async def post(i: int) -> httpx.Response:
        doc = body(f"m{i}", f"c{i % 7}@example.com")
        return await client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))

    answers = await asyncio.gather(*(post(i) for i in range(60)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["message_id"] for a in answers}) == 60
    assert len({a.json()["customer_id"] for a in answers}) == 7
    assert runtime.ingestor.fallbacks == 0
    assert runtime.ingestor.batches < 60  # some messages shared a transaction


async def test_a_bad_message_in_a_batch_fails_alone(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    async def post(i: int) -> httpx.Response:
        doc = body(f"x{i}", f"d{i}@example.com", reason="no-such-reason" if i == 5 else None)
        return await client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))

    answers = await asyncio.gather(*(post(i) for i in range(12)))
    codes = [a.status_code for a in answers]
    assert codes[5] == 422
    assert "no-such-reason" in answers[5].json()["error"]["message"]
    assert codes[:5] + codes[6:] == [200] * 11


@pytest.mark.parametrize("copies", [2, 5])
async def test_the_same_message_sent_at_once_is_stored_once(
    client: httpx.AsyncClient, world: World, copies: int
) -> None:
    doc = body(uuid.uuid4().hex, "same@example.com")
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/inbound", json=doc, headers=world.auth("api"))
            for _ in range(copies)
        )
    )
    assert {a.json()["message_id"] for a in answers} == {answers[0].json()["message_id"]}
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * (copies - 1)
