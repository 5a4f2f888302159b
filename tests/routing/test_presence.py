"""Desk presence through the API, on a real database: work goes only to an agent whose desk
is connected; when the desk closes or falls silent, or the agent goes offline, what they
were given and never opened goes back to its place in the queue; supervisors step in.

A desk here is opened and closed by the calls its WebSocket makes (`tests/support/desks.py`);
`tests/realtime/test_desk.py` does the same over a real socket.
"""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from omniline.models import Agent, AuditEntry, Job, RoutingHead
from tests.routing.conftest import Clock, Desk, member


async def _chat(desk: Desk, **profile: Any) -> tuple[dict[str, Any], str]:
    """A chat queue and the agent serving it (no desk open, not available)."""
    chat = await desk.queue("chat", channels=["chat"])
    profile.setdefault("capacity", {"chat": 1})
    agent = await desk.agent("agent", [member(chat)], available=False, **profile)
    return chat, agent


async def _available_at_desk(desk: Desk, who: str = "agent") -> uuid.UUID:
    desk_id = await desk.desks.open(desk.world.users[who].id)
    user_id = desk.world.users[who].id
    await desk.ok("PUT", f"/agents/{user_id}/state", who, json={"state": "available"})
    return desk_id


async def _waiting(desk: Desk, queue: dict[str, Any]) -> list[str]:
    return [r["id"] for r in await desk.ok("GET", f"/queues/{queue['id']}/waiting")]


async def test_an_agent_with_no_desk_gets_no_offer_until_a_desk_connects(desk: Desk) -> None:
    _, agent = await _chat(desk)
    await desk.ok("PUT", f"/agents/{agent}/state", "agent", json={"state": "available"})
    iid = await desk.contact()

    assert (await desk.routed(iid))["status"] == "queued"
    state = await desk.agent_state(agent)
    assert (state["state"], state["reason"], state["desks"]) == ("away", "no_desk", 0)

    await desk.desks.open(desk.world.users["agent"].id)  # within the timeout: back at work

    state = await desk.agent_state(agent)
    assert (state["state"], state["desks"]) == ("available", 1)
    row = await desk.routed(iid)
    assert (row["status"], row["agent_id"]) == ("offered", agent)


async def test_a_desk_closed_gives_back_what_was_never_opened_in_its_place(
    desk: Desk, clock: Clock
) -> None:
    chat, agent = await _chat(desk, auto_accept=["chat"])
    first = await desk.contact()
    clock.advance(30)
    second = await desk.contact()
    desk_id = await _available_at_desk(desk)
    given = await desk.routed(first)
    assert (given["status"], given["agent_id"], given["opened_at"]) == ("active", agent, None)
    assert await _waiting(desk, chat) == [second]
    clock.advance(5)

    await desk.desks.close(desk_id)

    back = await desk.routed(first)
    assert (back["status"], back["agent_id"], back["answered_at"]) == ("queued", None, None)
    assert back["queued_at"] == given["queued_at"]  # its place: enqueue time and priority kept
    assert back["routing_priority"] == given["routing_priority"]
    assert await _waiting(desk, chat) == [first, second]
    state = await desk.agent_state(agent)
    assert (state["state"], state["reason"]) == ("away", "desk_closed")
    requeued = [
        e for e in await desk.events("interaction.requeued") if e["interaction_id"] == first
    ]
    assert requeued[-1]["data"]["from"] == "active"
    assert requeued[-1]["data"]["from_agent_id"] == agent


async def test_an_opened_contact_stays_with_its_agent_when_the_desk_closes(desk: Desk) -> None:
    _, agent = await _chat(desk, auto_accept=["chat"])
    iid = await desk.contact()
    desk_id = await _available_at_desk(desk)
    opened = await desk.ok("POST", f"/interactions/{iid}/open", "agent")
    assert opened["opened_at"] is not None

    await desk.desks.close(desk_id)

    row = await desk.routed(iid)
    assert (row["status"], row["agent_id"]) == ("active", agent)


async def test_only_the_agent_holding_a_contact_opens_it(desk: Desk) -> None:
    await _chat(desk, auto_accept=["chat"])
    iid = await desk.contact()
    await _available_at_desk(desk)

    other = await desk.call("POST", f"/interactions/{iid}/open", "supervisor")

    assert other.status_code == 409
    assert "only the agent handling" in other.json()["error"]["message"]


async def test_a_second_desk_keeps_the_agent_at_work_when_the_first_closes(desk: Desk) -> None:
    _, agent = await _chat(desk, auto_accept=["chat"])
    iid = await desk.contact()
    first = await _available_at_desk(desk)
    await desk.desks.open(desk.world.users["agent"].id)

    await desk.desks.close(first)

    assert (await desk.agent_state(agent))["state"] == "available"
    assert (await desk.routed(iid))["status"] == "active"


@pytest.mark.parametrize("setting", [None, 120])
async def test_a_silent_desk_lets_the_agent_go_at_the_timeout(
    desk: Desk, clock: Clock, setting: int | None
) -> None:
    if setting is not None:
        await desk.ok("PATCH", "", json={"desk_timeout_seconds": setting})
    limit = setting or 60
    chat, agent = await _chat(desk, auto_accept=["chat"])
    iid = await desk.contact()
    desk_id = await _available_at_desk(desk)
    assert (await desk.routed(iid))["status"] == "active"
    async with desk.runtime.sessions() as session:
        head = await session.get(RoutingHead, desk.world.tenant.id)
        assert head is not None
        assert head.tick_at == clock.now + timedelta(seconds=limit)
        ticks = list(await session.scalars(select(Job).where(Job.kind == "routing.tick")))
    assert any(j.run_at == head.tick_at for j in ticks), "the timeout is a routing.tick job"

    desk.desks.forget(desk_id)  # the server process holding the socket died
    clock.advance(limit - 1)
    await desk.tick()
    assert (await desk.agent_state(agent))["state"] == "available"

    clock.advance(2)
    await desk.tick()

    state = await desk.agent_state(agent)
    assert (state["state"], state["reason"], state["desks"]) == ("away", "desk_silent", 0)
    assert (await desk.routed(iid))["status"] == "queued"
    assert await _waiting(desk, chat) == [iid]


async def test_a_desk_timeout_out_of_range_is_refused(desk: Desk) -> None:
    response = await desk.call("PATCH", "", json={"desk_timeout_seconds": 5})
    assert response.status_code == 422


@pytest.mark.parametrize("by", ["agent", "supervisor"])
async def test_going_offline_releases_offers_and_unopened_contacts(desk: Desk, by: str) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    mail = await desk.queue("mail", channels=["email"])
    agent = await desk.agent(
        "agent",
        [member(chat), member(mail)],
        available=False,
        capacity={"chat": 1, "email": 2},
        auto_accept=["chat"],
    )
    given, offered, opened = await desk.contact(), await desk.contact("email"), None
    await _available_at_desk(desk)
    opened = await desk.contact("email")
    await desk.ok("POST", f"/interactions/{opened}/accept", "agent")
    assert [(await desk.routed(i))["status"] for i in (given, offered, opened)] == [
        "active",
        "offered",
        "active",
    ]

    await desk.ok("PUT", f"/agents/{agent}/state", by, json={"state": "offline"})

    assert (await desk.routed(given))["status"] == "queued"
    assert (await desk.routed(offered))["status"] == "queued"
    assert (await desk.routed(opened))["agent_id"] == agent  # accepted: it stays theirs
    assert (await desk.agent_state(agent))["state"] == "offline"
    whys = {e["data"]["why"] for e in await desk.events("interaction.requeued")}
    assert whys == {"agent_offline"}


async def test_a_supervisor_takes_over_an_agents_contacts(desk: Desk) -> None:
    _, agent = await _chat(desk, capacity={"chat": 2})
    iid = await desk.contact()
    await _available_at_desk(desk)
    await desk.ok("POST", f"/interactions/{iid}/accept", "agent")
    supervisor = str(desk.world.users["supervisor"].id)

    refused = await desk.call("POST", f"/agents/{agent}/take-over", "agent")
    assert refused.status_code == 403
    taken = await desk.ok("POST", f"/agents/{agent}/take-over", "supervisor")

    assert [t["id"] for t in taken] == [iid]
    row = await desk.routed(iid)
    assert (row["status"], row["agent_id"]) == ("active", supervisor)
    assert row["opened_at"] is not None
    kinds = [e["data"] for e in await desk.events("interaction.taken_over")]
    assert kinds[-1]["from_agent_id"] == agent
    assert await _audited(desk, "interaction.taken_over") == [iid]


async def test_a_supervisor_requeues_an_agents_contacts_in_their_place(
    desk: Desk, clock: Clock
) -> None:
    chat, agent = await _chat(desk, capacity={"chat": 1})
    first = await desk.contact()
    clock.advance(10)
    second = await desk.contact()
    await _available_at_desk(desk)
    before = await desk.ok("POST", f"/interactions/{first}/accept", "agent")

    refused = await desk.call("POST", f"/agents/{agent}/requeue", "agent")
    assert refused.status_code == 403
    moved = await desk.ok("POST", f"/agents/{agent}/requeue", "supervisor")

    assert [m["id"] for m in moved] == [first]
    row = await desk.routed(first)
    assert row["queued_at"] == before["queued_at"]
    # the second is offered to the agent now; the first waits for someone else a while
    assert (await desk.routed(second))["status"] == "offered"
    assert await _waiting(desk, chat) == [first]
    assert await _audited(desk, "interaction.requeued") == [first]


async def test_stepping_in_for_a_stranger_is_not_found(desk: Desk) -> None:
    outsider = desk.world.users["other_admin"].id
    for verb in ("take-over", "requeue"):
        response = await desk.call("POST", f"/agents/{outsider}/{verb}", "supervisor")
        assert response.status_code == 404, response.text


async def test_a_transfer_to_an_agent_with_no_desk_is_refused(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    await desk.agent("agent", [member(chat)], capacity={"chat": 2})
    colleague = await desk.agent("supervisor", [member(chat)], available=False)
    await desk.ok(
        "PUT", f"/agents/{colleague}/state", "supervisor", json={"state": "available"}
    )  # made available over the API, but no desk: routing sends them away
    iid = await desk.contact()
    await desk.ok("POST", f"/interactions/{iid}/accept", "agent")

    response = await desk.call(
        "POST", f"/interactions/{iid}/transfer", "agent", json={"agent_id": colleague}
    )

    assert response.status_code == 409
    assert "away" in response.json()["error"]["message"]


async def _audited(desk: Desk, action: str) -> list[str]:
    async with desk.runtime.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == action)
        )
        return [str(r) for r in rows]


async def test_a_desk_that_stalled_past_the_timeout_comes_back_on_its_next_beat(
    desk: Desk, clock: Clock
) -> None:
    _, agent = await _chat(desk)
    desk_id = await _available_at_desk(desk)
    clock.advance(61)  # the socket's process was too busy to beat in time
    await desk.runtime.router.run(desk.world.tenant.id)
    async with desk.runtime.sessions() as session:
        row = await session.scalar(select(Agent).where(Agent.user_id == uuid.UUID(agent)))
        assert row is not None
        assert (row.state, row.reason) == ("away", "desk_silent")

    await desk.desks.beat()  # the socket is still open: its next beat connects it again

    assert desk_id not in desk.desks.open_desks
    state = await desk.agent_state(agent)
    assert (state["state"], state["desks"]) == ("available", 1)
