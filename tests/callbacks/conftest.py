"""A contact center with a voice queue, agents and a customer who chatted, on a moving clock.

Jobs run when the test says (`Center.jobs`), as a worker would run them once due. Every test
runs twice: from a Wednesday morning, and from Sunday 23:00 in the tenant's zone (UTC), when
a contact center with business hours would be closed; a test about hours asks for one start
with `@pytest.mark.parametrize("clock", ["wednesday"], indirect=True)`.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from omniline.kit.clock import set_clock
from omniline.runtime import Runtime
from tests.conftest import World
from tests.routing.conftest import Desk

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
STARTS = {"wednesday": START, "sunday_night": datetime(2026, 11, 29, 23, 0, tzinfo=UTC)}
PHONE = "+442079460958"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.now = start

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


_running: list[Clock] = []  # the test's clock, for `at`


@pytest.fixture(params=list(STARTS))
def clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    moving = Clock(STARTS[request.param])
    set_clock(lambda: moving.now)
    _running.append(moving)
    try:
        yield moving
    finally:
        _running.remove(moving)
        set_clock(None)


class Center(Desk):
    """The test's view of the tenant: set it up, act as people, run due jobs."""

    def __init__(
        self, client: httpx.AsyncClient, world: World, runtime: Runtime, clock: Clock
    ) -> None:
        super().__init__(client, world, runtime)
        self.clock = clock

    def user(self, who: str) -> str:
        return str(self.world.users[who].id)

    async def set_up(self, *, calendar: dict[str, Any] | None = None) -> dict[str, Any]:
        """A voice queue served by the agent and the supervisor (both available, desks open)."""
        await self.ok("PATCH", "", json={"wrap_up_reason_required": False})
        queue = await self.ok(
            "POST",
            "/queues",
            json={"name": "voice", "channels": ["voice"], "calendar": calendar or {}},
        )
        profile = await self.ok(
            "POST",
            "/routing-profiles",
            json={
                "name": "phones",
                "queues": [{"queue_id": queue["id"]}],
                "capacity": {"voice": 1},
            },
        )
        for who in ("supervisor", "agent"):  # the supervisor is idle longest
            await self.ok(
                "PATCH",
                f"/agents/{self.user(who)}",
                "supervisor",
                json={"profile_id": profile["id"]},
            )
            await self.desks.open(self.world.users[who].id)
            await self.state(who, "available")
        return queue  # type: ignore[no-any-return]

    async def state(self, who: str, state: str) -> None:
        await self.ok("PUT", f"/agents/{self.user(who)}/state", who, json={"state": state})

    async def chat(self, identities: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """A customer's chat (no chat queue: it waits for people), as an interaction."""
        self.counter += 1
        await self.desks.beat()
        body = {
            "channel": "chat",
            "external_id": f"m{self.counter}",
            "sender": {
                "name": "Ada",
                "identities": identities
                or [
                    {"kind": "email", "value": f"ada{self.counter}@example.com"},
                    {"kind": "phone", "value": "020 7946 0958"},
                ],
            },
            "body": "Please call me about my card",
        }
        response = await self.client.post(
            "/api/v1/inbound", json=body, headers=self.world.auth("api")
        )
        assert response.status_code == 200, response.text
        await self.runtime.router.settle()
        return await self.ok("GET", f"/interactions/{response.json()['interaction_id']}")  # type: ignore[no-any-return]

    async def promise(self, source: dict[str, Any], who: str = "agent", **body: Any) -> Any:
        return await self.ok("POST", f"/interactions/{source['id']}/callbacks", who, json=body)

    async def callback(self, callback_id: str, **params: Any) -> Any:
        return await self.ok("GET", f"/callbacks/{callback_id}", params=params)

    async def jobs(self) -> None:
        """Run every job due by now, and the routing passes they cause (the desks stay open)."""
        await self.desks.beat()
        while await self.runtime.worker.run_due():
            await self.runtime.router.settle()
        await self.runtime.router.settle()

    async def voice_calls(self) -> list[dict[str, Any]]:
        page = await self.ok("GET", "/interactions", params={"channel": "voice"})
        return page["items"]  # type: ignore[no-any-return]

    async def events(self, prefix: str) -> list[dict[str, Any]]:
        page = await self.ok("GET", "/events", params={"limit": 1000})
        return [e for e in page["events"] if e["kind"].startswith(prefix)]


@pytest.fixture
async def center(client: httpx.AsyncClient, world: World, runtime: Runtime, clock: Clock) -> Center:
    return Center(client, world, runtime, clock)


def at(**delta: float) -> str:
    """A time after the test's start, as the API takes it."""
    start = _running[-1].start if _running else START
    return (start + timedelta(**delta)).isoformat().replace("+00:00", "Z")


__all__ = ["PHONE", "START", "Center", "Clock", "at", "uuid"]
