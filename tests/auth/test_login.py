"""Logins: throttled per account and per address with backoff, audited when they fail,
the same work for every account, and addresses believed only from trusted proxies."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from omniline.auth import secrets
from omniline.kit.clock import set_clock, utcnow
from omniline.models import AuditEntry
from omniline.runtime import Runtime
from omniline.users.service import create_user
from tests.conftest import PASSWORD, World
from tests.support.hashing import CountingHasher
from tests.support.people import log_in


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    """A clock the test moves: clock[0] is now."""
    now = [utcnow()]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


async def test_wrong_passwords_wait_longer_and_longer(
    client: httpx.AsyncClient, world: World, clock: list[datetime]
) -> None:
    for _ in range(5):  # a few mistakes cost nothing
        assert (await log_in(client, "agent@acme.test", "wrong one")).status_code == 401
    refused = await log_in(client, "agent@acme.test", PASSWORD)
    assert refused.status_code == 429  # even the right password is not tried now
    assert refused.headers["Retry-After"] == "2"
    clock[0] += timedelta(seconds=2)
    assert (await log_in(client, "agent@acme.test", "wrong again")).status_code == 401
    waiting = await log_in(client, "agent@acme.test", PASSWORD)
    assert waiting.headers["Retry-After"] == "4"  # twice as long after each failure
    clock[0] += timedelta(seconds=4)
    assert (await log_in(client, "agent@acme.test", PASSWORD)).status_code == 200
    assert (await log_in(client, "agent@acme.test", "oops")).status_code == 401  # cleared
    other = await log_in(client, "supervisor@acme.test", PASSWORD)
    assert other.status_code == 200  # the account was throttled, not everyone


async def test_unknown_accounts_are_throttled_like_known_ones(
    client: httpx.AsyncClient, world: World, clock: list[datetime]
) -> None:
    answers = {}
    for email in ("agent@acme.test", "nobody@acme.test"):
        codes = [(await log_in(client, email, "wrong one")).status_code for _ in range(7)]
        answers[email] = codes
    assert answers["agent@acme.test"] == answers["nobody@acme.test"] == [401] * 5 + [429] * 2


async def test_one_address_guessing_many_accounts_is_throttled(
    client: httpx.AsyncClient, world: World, clock: list[datetime]
) -> None:
    for n in range(20):
        assert (await log_in(client, f"guess{n}@acme.test", "password1")).status_code == 401
    refused = await log_in(client, "agent@acme.test", PASSWORD)
    assert refused.status_code == 429
    assert "your address" in refused.json()["error"]["message"]


async def test_a_spoofed_forwarded_for_does_not_escape_the_address_limit(
    client: httpx.AsyncClient, world: World, runtime: Runtime, clock: list[datetime]
) -> None:
    """X-Forwarded-For is anyone's to write: unless the peer is a proxy the settings name
    (none by default, not even 127.0.0.1), the peer's address is the client's."""

    async def guesses(n: int, start: int) -> list[int]:
        codes = []
        for i in range(start, start + n):
            response = await client.post(
                "/api/v1/auth/login",
                json={"email": f"g{i}@acme.test", "password": "password1"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
            codes.append(response.status_code)
        return codes

    assert await guesses(21, 0) == [401] * 20 + [429]
    clock[0] += timedelta(hours=2)
    runtime.settings.trusted_proxies = "127.0.0.0/8"
    assert await guesses(25, 100) == [401] * 25  # each forwarded address is its own client


async def test_failed_logins_are_audited(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await log_in(client, "agent@acme.test", "wrong one")
    await log_in(client, "ghost@acme.test", "wrong one")
    async with runtime.sessions() as session:
        rows = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "user.login_failed")
            )
        )
    assert [r.data["email"] for r in rows] == ["agent@acme.test", "ghost@acme.test"]
    assert rows[0].object_id == str(world.users["agent"].id)
    assert rows[1].object_id is None
    assert rows[0].ip == "127.0.0.1"


async def test_every_login_costs_one_password_check(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    """Unknown, deactivated and password-less accounts take the same time as known ones:
    each attempt verifies exactly one hash made with the installation's cost."""
    work = runtime.work()
    await create_user(work, email="nopass@acme.test", name="N", password=None)
    world.users["planner"].is_active = False
    await work.session.merge(world.users["planner"])
    await work.commit()
    await work.session.close()
    counting = CountingHasher()
    saved, secrets._hasher = secrets._hasher, counting
    try:
        for email in ("agent@acme.test", "nobody@acme.test", "planner@acme.test",
                      "nopass@acme.test"):  # fmt: skip
            counting.verified = 0
            assert (await log_in(client, email, "wrong one")).status_code == 401
            assert counting.verified == 1, email
    finally:
        secrets._hasher = saved


async def test_the_client_is_the_nearest_address_no_trusted_proxy_vouches_for(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    """Proxies append to X-Forwarded-For, so only its right end is theirs: the client is the
    first address from the right that is not a trusted proxy; what a client wrote to the
    left of it (a forged 6.6.6.6) is ignored."""
    runtime.settings.trusted_proxies = "127.0.0.1, 10.0.0.0/8"
    chains = {
        "6.6.6.6, 203.0.113.9, 10.0.0.7": "203.0.113.9",
        "10.1.2.3": "10.1.2.3",  # only proxies: the farthest one is the best we know
        "not an address": "not an address",
    }
    for chain in chains:
        await client.post(
            "/api/v1/auth/login",
            json={"email": "agent@acme.test", "password": "wrong one"},
            headers={"X-Forwarded-For": chain},
        )
    async with runtime.sessions() as session:
        seen = list(
            await session.scalars(
                select(AuditEntry.ip)
                .where(AuditEntry.action == "user.login_failed")
                .order_by(AuditEntry.seq)
            )
        )
    assert seen == list(chains.values())
