"""Routing tests' shared parts: a clock moved by hand and a `Desk` that acts as people."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from omniline.kit.clock import set_clock
from omniline.runtime import Runtime
from tests.conftest import World
from tests.support.desks import Desks

TENANT = "/api/v1/tenants/acme"
ALWAYS_OPEN: dict[str, Any] = {}
NEVER_OPEN = {"week": {}}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Iterator[Clock]:
    moving = Clock()
    set_clock(lambda: moving.now)
    try:
        yield moving
    finally:
        set_clock(None)


class Desk:
    """A test's view of the tenant: set up routing, send contacts, act as people."""

    def __init__(self, client: httpx.AsyncClient, world: World, runtime: Runtime) -> None:
        self.client, self.world, self.runtime = client, world, runtime
        self.counter = 0
        # the agents' desks stay connected while time moves: each call beats them first
        self.desks = Desks(runtime, world.tenant)

    async def call(self, method: str, path: str, who: str = "admin", **kw: Any) -> httpx.Response:
        await self.desks.beat()
        response = await self.client.request(
            method, TENANT + path, headers=self.world.auth(who), **kw
        )
        await self.runtime.router.settle()
        return response

    async def ok(self, method: str, path: str, who: str = "admin", **kw: Any) -> Any:
        response = await self.call(method, path, who, **kw)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def queue(self, name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("calendar", ALWAYS_OPEN)
        return await self.ok("POST", "/queues", json={"name": name, **fields})  # type: ignore[no-any-return]

    async def agent(
        self,
        who: str,
        queues: list[dict[str, Any]],
        *,
        skills: dict[str, int] | None = None,
        available: bool = True,
        **profile: Any,
    ) -> str:
        made = await self.ok(
            "POST", "/routing-profiles", json={"name": f"p-{who}", "queues": queues, **profile}
        )
        user_id = str(self.world.users[who].id)
        await self.ok(
            "PATCH",
            f"/agents/{user_id}",
            "supervisor",
            json={"profile_id": made["id"], "skills": skills or {}},
        )
        if available:
            await self.desks.open(self.world.users[who].id)
            await self.ok("PUT", f"/agents/{user_id}/state", who, json={"state": "available"})
        return user_id

    async def contact(self, channel: str = "chat", email: str | None = None, **extra: Any) -> str:
        self.counter += 1
        await self.desks.beat()
        body = {
            "channel": channel,
            "external_id": f"m{self.counter}",
            "sender": {
                "name": "Ada",
                "identities": [{"kind": "email", "value": email or f"c{self.counter}@ex.com"}],
            },
            "body": "My card is blocked",
            **extra,
        }
        response = await self.client.post(
            "/api/v1/inbound", json=body, headers=self.world.auth("api")
        )
        assert response.status_code == 200, response.text
        await self.runtime.router.settle()
        return str(response.json()["interaction_id"])

    async def routed(self, iid: str) -> dict[str, Any]:
        return await self.ok("GET", f"/interactions/{iid}/routing")  # type: ignore[no-any-return]

    async def tick(self) -> None:
        """What the routing.tick job does when it comes due."""
        await self.desks.beat()
        await self.runtime.router.run(self.world.tenant.id)

    async def events(self, kind: str) -> list[dict[str, Any]]:
        page = await self.ok("GET", "/events", params={"limit": 1000})
        return [e for e in page["events"] if e["kind"] == kind]

    async def agent_state(self, user_id: str) -> dict[str, Any]:
        return await self.ok("GET", f"/agents/{user_id}")  # type: ignore[no-any-return]


@pytest.fixture
async def desk(client: httpx.AsyncClient, world: World, runtime: Runtime, clock: Clock) -> Desk:
    return Desk(client, world, runtime)


def member(queue: dict[str, Any], priority: int = 1, delay: float = 0) -> dict[str, Any]:
    return {"queue_id": queue["id"], "priority": priority, "delay": delay}
