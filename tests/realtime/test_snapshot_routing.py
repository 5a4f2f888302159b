"""Snapshot + events = fresh snapshot, through routing: offers, declines, timeouts, transfers,
moves, agent states and timed wrap-ups (passes run in between, as they do in a server)."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from omniline.interactions import service as interactions
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.clock import set_clock
from omniline.models import AgentState, Interaction, Tenant
from omniline.realtime.snapshot import Snapshot
from omniline.routing import service as routing
from omniline.runtime import Runtime
from tests.conftest import World
from tests.realtime.test_snapshot import Change, Scene


class RoutedScene(Scene):
    async def catch_up(self, held: Snapshot) -> Snapshot:
        await self.runtime.router.settle()
        return await super().catch_up(held)

    async def as_user(self, held: Snapshot, user_id: uuid.UUID, change: Change) -> Snapshot:
        actor, self.actor = self.actor, Actor(ActorType.USER, user_id)
        try:
            return await self.change(held, change)
        finally:
            self.actor = actor

    async def tick(self, held: Snapshot) -> Snapshot:
        await self.runtime.router.run(self.tenant_id)
        return await self.catch_up(held)


@pytest.fixture
def now() -> Iterator[list[datetime]]:
    moving = [datetime(2026, 11, 25, 10, tzinfo=UTC)]
    set_clock(lambda: moving[0])
    try:
        yield moving
    finally:
        set_clock(None)


async def test_routing_keeps_the_snapshot_exact(
    client: httpx.AsyncClient, world: World, runtime: Runtime, now: list[datetime]
) -> None:
    agent, other = world.users["agent"].id, world.users["supervisor"].id
    scene = RoutedScene(runtime, world.tenant.id, world.users["admin"].id)
    held = await scene.start()
    ids: dict[str, uuid.UUID] = {}

    async def set_up(work: Work, tenant: Tenant) -> None:
        fields = {"name": "chat", "channels": ["chat"], "calendar": {}, "wrap_up_seconds": 30}
        first = await routing.create_queue(work, tenant, fields)
        second = await routing.create_queue(work, tenant, {"name": "vip", "calendar": {}})
        await work.session.flush()
        members = [{"queue_id": str(first.id)}, {"queue_id": str(second.id)}]
        profile = await routing.create_profile(
            work, tenant, {"name": "all", "queues": members, "capacity": {"chat": 1}}
        )
        await work.session.flush()
        for user_id in (agent, other):
            row = await routing.get_or_make_agent(work, tenant, user_id)
            row.profile_id = profile.id
        ids.update(chat=first.id, vip=second.id)

    held = await scene.change(held, set_up)
    desks: dict[uuid.UUID, uuid.UUID] = {}

    def desk(user_id: uuid.UUID, verb: str) -> Change:
        """What an agent's desk socket does: open, beat while open, close."""

        async def change(work: Work, tenant: Tenant) -> None:
            if verb == "open":
                desks[user_id] = await routing.open_desk(work, tenant, user_id)
            elif verb == "beat":
                desks[user_id] = await routing.beat_desk(work, tenant, user_id, desks[user_id])
            else:
                await routing.close_desk(work, tenant, user_id, desks.pop(user_id))

        return change

    async def beat(held: Snapshot) -> Snapshot:
        """The open desks' heartbeat (not an event: the snapshot does not change)."""
        for user_id in list(desks):
            work = runtime.work()
            tenant = await work.session.get(Tenant, world.tenant.id)
            assert tenant is not None
            await desk(user_id, "beat")(work, tenant)
            await work.commit()
            await work.session.close()
        return held

    held = await scene.change(held, desk(agent, "open"))
    held = await scene.change(held, desk(other, "open"))

    def state(user_id: uuid.UUID, value: AgentState, reason: str | None = None) -> Change:
        async def change(work: Work, tenant: Tenant) -> None:
            row = await routing.get_or_make_agent(work, tenant, user_id)
            await routing.change_state(work, tenant, row, value, reason)

        return change

    held = await scene.change(held, state(agent, AgentState.AVAILABLE))
    assert held.agents[agent].state == "available"

    body = {
        "channel": "chat",
        "external_id": "m1",
        "sender": {"identities": [{"kind": "email", "value": "ada@example.com"}]},
        "body": "hello",
    }
    landed = (await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))).json()
    iid = uuid.UUID(landed["interaction_id"])
    held = await scene.catch_up(held)  # created, queued into "chat", offered to the agent
    assert held.interactions[iid].status == "offered"
    assert held.interactions[iid].agent_id == agent

    def act(verb: str, **kw: object) -> Change:
        async def change(work: Work, tenant: Tenant) -> None:
            if verb == "accept":
                await routing.accept(work, tenant, iid)
            elif verb == "decline":
                await routing.decline(work, tenant, iid)
            elif verb == "transfer":
                await routing.transfer(work, tenant, iid, supervising=True, **kw)  # type: ignore[arg-type]
            elif verb == "move":
                await routing.move_waiting(work, tenant, iid, kw["queue_id"])  # type: ignore[arg-type]
            else:
                row = await work.session.get(Interaction, iid)
                assert row is not None
                await interactions.do_step(work, tenant, row, verb)

        return change

    held = await scene.as_user(held, agent, act("decline"))
    assert held.interactions[iid].status == "queued"
    held = await scene.change(held, state(agent, AgentState.OFFLINE))
    held = await scene.change(held, state(other, AgentState.AVAILABLE))  # offered to other
    assert held.interactions[iid].agent_id == other
    now[0] += timedelta(seconds=21)
    held = await beat(held)
    held = await scene.tick(held)  # the offer ran out: back in the queue, other not responding
    assert held.agents[other].state == "not_responding"
    held = await scene.change(held, state(other, AgentState.BREAK, "lunch"))
    held = await scene.change(held, act("move", queue_id=ids["vip"]))
    assert held.interactions[iid].queue == "vip"
    now[0] += timedelta(seconds=61)  # past the time a missed offer keeps it from them
    held = await beat(held)
    held = await scene.change(held, state(other, AgentState.AVAILABLE))
    held = await scene.as_user(held, other, act("accept"))
    assert held.interactions[iid].status == "active"
    held = await scene.as_user(held, other, act("transfer", queue_id=ids["chat"], agent_id=None))
    held = await scene.change(held, state(other, AgentState.OFFLINE))
    assert other not in held.agents
    held = (
        await scene.change(held, act("transfer", queue_id=None, agent_id=agent)) if False else held
    )
    held = await scene.change(held, state(agent, AgentState.AVAILABLE))  # offered to agent
    assert held.interactions[iid].agent_id == agent
    held = await scene.as_user(held, agent, act("accept"))
    held = await scene.as_user(held, agent, act("ended"))
    assert iid not in held.interactions
    now[0] += timedelta(seconds=31)
    held = await beat(held)
    held = await scene.tick(held)  # the timed wrap-up ends by itself

    # a supervisor takes a contact over, then sends it back to its queue; a desk closes
    body = {**body, "external_id": "m2"}
    landed = (await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))).json()
    second = uuid.UUID(landed["interaction_id"])
    held = await scene.catch_up(held)
    assert held.interactions[second].agent_id == agent

    async def accept_second(work: Work, tenant: Tenant) -> None:
        await routing.accept(work, tenant, second)

    async def take_over(work: Work, tenant: Tenant) -> None:
        await routing.take_over(work, tenant, agent)

    async def requeue_all(work: Work, tenant: Tenant) -> None:
        await routing.requeue_contacts(work, tenant, world.users["admin"].id)

    held = await scene.as_user(held, agent, accept_second)
    held = await scene.change(held, take_over)
    assert held.interactions[second].agent_id == world.users["admin"].id
    held = await scene.change(held, requeue_all)
    assert held.interactions[second].answered_at is None
    held = await scene.change(held, desk(other, "close"))
    held = await scene.change(held, desk(agent, "close"))
    assert held.agents[agent].state == "away"
    assert {"interaction.taken_over", "agent.desk_changed"} <= scene.kinds
    assert {"interaction.requeued", "agent.state_changed", "interaction.offered"} <= scene.kinds
