"""An agent's desk over a real WebSocket (`?desk=1`): while it is open the agent gets work;
when it closes, what they were given and never opened goes back to its place in the queue."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from omniline.kit.clock import set_clock
from omniline.models import Desk
from omniline.routing import service as routing
from omniline.runtime import Runtime
from tests.conftest import World
from tests.realtime.conftest import Server, receive

T = "/api/v1/tenants/acme"


@pytest.fixture
def now() -> Iterator[list[datetime]]:
    moving = [datetime(2026, 11, 25, 10, tzinfo=UTC)]
    set_clock(lambda: moving[0])
    try:
        yield moving
    finally:
        set_clock(None)


async def _set_up(client: httpx.AsyncClient, world: World, auto: bool) -> str:
    """A chat queue, the agent serving it (available, no desk yet); returns the queue's id."""
    admin = world.auth("admin")
    queue = await client.post(
        T + "/queues", json={"name": "chat", "channels": ["chat"], "calendar": {}}, headers=admin
    )
    profile = await client.post(
        T + "/routing-profiles",
        json={
            "name": "chat",
            "queues": [{"queue_id": queue.json()["id"]}],
            "capacity": {"chat": 1},
            "auto_accept": ["chat"] if auto else [],
        },
        headers=admin,
    )
    agent = world.users["agent"].id
    await client.patch(
        f"{T}/agents/{agent}", json={"profile_id": profile.json()["id"]}, headers=admin
    )
    made = await client.put(
        f"{T}/agents/{agent}/state", json={"state": "available"}, headers=world.auth("agent")
    )
    assert made.status_code == 200, made.text
    return str(queue.json()["id"])


async def _contact(client: httpx.AsyncClient, world: World, n: int) -> str:
    body = {
        "channel": "chat",
        "external_id": f"m{n}",
        "sender": {"identities": [{"kind": "email", "value": f"c{n}@example.com"}]},
        "body": "hello",
    }
    landed = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
    assert landed.status_code == 200, landed.text
    return str(landed.json()["interaction_id"])


async def _routing(client: httpx.AsyncClient, world: World, iid: str) -> dict[str, Any]:
    response = await client.get(f"{T}/interactions/{iid}/routing", headers=world.auth("admin"))
    return response.json()  # type: ignore[no-any-return]


async def _agent(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    agent = world.users["agent"].id
    return (await client.get(f"{T}/agents/{agent}", headers=world.auth("admin"))).json()  # type: ignore[no-any-return]


async def _until(check: Any, what: str) -> None:
    """Wait (at most a few seconds) for the server to finish what the socket set off."""
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(what)


async def test_no_desk_no_offer_then_a_desk_connects_and_is_offered(
    server: Server, client: httpx.AsyncClient, world: World, runtime: Runtime, now: list[datetime]
) -> None:
    await _set_up(client, world, auto=False)
    iid = await _contact(client, world, 1)
    await runtime.router.settle()
    assert (await _routing(client, world, iid))["status"] == "queued"
    assert (await _agent(client, world))["state"] == "away"

    async with connect(server.ws(token=world.tokens["agent"], desk=1)) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        me = uuid.UUID(str(world.users["agent"].id))
        states = {a["user_id"]: a["state"] for a in snapshot["data"]["agents"]}
        assert states[str(me)] == "available"  # away for less than the timeout: back at work
        offered = await _until_event(ws, "interaction.offered")
        assert offered["interaction_id"] == iid
        assert offered["data"]["agent_id"] == str(me)
        assert (await _agent(client, world))["desks"] == 1


async def test_a_closed_desk_gives_back_a_never_opened_contact_in_its_place(
    server: Server, client: httpx.AsyncClient, world: World, runtime: Runtime, now: list[datetime]
) -> None:
    queue = await _set_up(client, world, auto=True)
    first = await _contact(client, world, 1)
    now[0] += timedelta(seconds=20)
    second = await _contact(client, world, 2)
    await runtime.router.settle()
    async with connect(server.ws(token=world.tokens["agent"], desk=1)) as ws:
        await receive(ws)
        answered = await _until_event(ws, "interaction.answered")
        assert answered["interaction_id"] == first
        given = await _routing(client, world, first)
        assert given["status"] == "active"

    async def released() -> bool:
        await runtime.router.settle()
        return bool((await _routing(client, world, first))["status"] == "queued")

    await _until(released, "the contact did not go back when the desk closed")
    back = await _routing(client, world, first)
    assert back["queued_at"] == given["queued_at"]
    waiting = await client.get(f"{T}/queues/{queue}/waiting", headers=world.auth("admin"))
    assert [w["id"] for w in waiting.json()] == [first, second]
    agent = await _agent(client, world)
    assert (agent["state"], agent["reason"], agent["desks"]) == ("away", "desk_closed", 0)


async def test_only_a_person_who_takes_contacts_has_a_desk(
    server: Server, client: httpx.AsyncClient, world: World
) -> None:
    async with connect(server.ws(token=world.tokens["api"], desk=1)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert "only a person has a desk" in closed.value.rcvd.reason


async def _until_event(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(200):
        frame = await receive(ws)
        if frame["type"] == "event" and frame["event"]["kind"] == kind:
            return frame["event"]  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} event")


async def test_an_open_desk_beats_and_keeps_its_agent_past_the_timeout(
    server: Server,
    client: httpx.AsyncClient,
    world: World,
    runtime: Runtime,
    now: list[datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(routing, "DESK_BEAT_SECONDS", 0.02)  # the installation's beat, shorter
    await _set_up(client, world, auto=False)
    async with connect(server.ws(token=world.tokens["agent"], desk=1)) as ws:
        await receive(ws)
        for _ in range(3):
            now[0] += timedelta(seconds=40)  # more than the timeout in all, but never silent
            moved = now[0]

            async def beaten(at: datetime = moved) -> bool:
                async with runtime.sessions() as session:
                    seen = await session.scalars(select(Desk.seen_at))
                    return any(s == at for s in seen)

            await _until(beaten, "the desk did not beat")
        await runtime.router.run(world.tenant.id)
        agent = await _agent(client, world)
        assert (agent["state"], agent["desks"]) == ("available", 1)
