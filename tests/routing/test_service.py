"""Routing through the API, on a real database: queues, agents, offers, transfers, SLA clocks.

Time is moved by hand (`Clock`); timed changes run as the `routing.tick` job would run them.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from omniline.models import Case, Customer, Interaction, Job
from omniline.runtime import Runtime
from tests.conftest import World
from tests.routing.conftest import NEVER_OPEN, Clock, Desk, member


async def test_a_contact_is_offered_accepted_and_counted_against_capacity(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    agent = await desk.agent("agent", [member(chat)], capacity={"chat": 2})
    first, second, third = [await desk.contact() for _ in range(3)]

    assert (await desk.routed(first))["status"] == "offered"
    assert (await desk.routed(first))["agent_id"] == agent
    assert (await desk.routed(second))["status"] == "offered"
    waiting = await desk.routed(third)
    assert waiting["status"] == "queued"  # capacity 2: the third waits
    offers = await desk.events("interaction.offered")
    assert [e["interaction_id"] for e in offers] == [first, second]
    assert offers[0]["data"]["agent_id"] == agent
    assert offers[0]["data"]["expires_at"]

    accepted = await desk.ok("POST", f"/interactions/{first}/accept", "agent")
    assert accepted["status"] == "active"
    state = await desk.agent_state(agent)
    assert state["load"] == {"chat": 2}
    assert state["presence"] == "on_contact"

    [stats] = await desk.ok("GET", "/queue-stats")
    assert (stats["waiting"], stats["offered"], stats["agents_available"]) == (1, 1, 1)
    position = await desk.ok("GET", f"/interactions/{third}/position")
    assert position["position"] == 1
    assert position["waiting"] == 1
    assert position["estimated_wait_seconds"] > 0

    # ending a contact frees a unit of capacity: the waiting one is offered at once
    await desk.ok("POST", f"/interactions/{first}/steps", "agent", json={"step": "ended"})
    assert (await desk.routed(third))["status"] == "offered"


async def test_only_the_offered_agent_accepts(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    await desk.agent("agent", [member(chat)])
    iid = await desk.contact()
    refused = await desk.call("POST", f"/interactions/{iid}/accept", "supervisor")
    assert refused.status_code == 409
    assert "not offered to you" in refused.json()["error"]["message"]
    manual = await desk.call(
        "POST", f"/interactions/{iid}/steps", "supervisor", json={"step": "answered"}
    )
    assert manual.status_code == 409  # routing owns it: no side door around capacity


async def test_decline_puts_the_contact_back_at_its_place_and_tries_another_agent(
    desk: Desk,
) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    agent = await desk.agent("agent", [member(chat)], capacity={"chat": 1})
    iid = await desk.contact()
    before = await desk.routed(iid)
    declined = await desk.ok("POST", f"/interactions/{iid}/decline", "agent")
    assert declined["status"] == "queued"
    assert declined["queued_at"] == before["queued_at"]  # its original place
    # the only agent declined it: it waits for someone else
    assert (await desk.routed(iid))["status"] == "queued"
    other = await desk.agent("supervisor", [member(chat)])
    offered = await desk.routed(iid)
    assert offered["status"] == "offered"
    assert offered["agent_id"] == other != agent


async def test_an_unanswered_offer_times_out_and_the_agent_is_not_responding(
    desk: Desk, clock: Clock
) -> None:
    chat = await desk.queue("chat", channels=["chat"], offer_timeout_seconds=15)
    agent = await desk.agent("agent", [member(chat)])
    iid = await desk.contact()
    queued_at = (await desk.routed(iid))["queued_at"]
    jobs = await _jobs(desk, "routing.tick")
    assert jobs, "the offer timeout is scheduled as a tick job"
    clock.advance(16)
    await desk.tick()
    row = await desk.routed(iid)
    assert row["status"] == "queued"
    assert row["queued_at"] == queued_at
    state = await desk.agent_state(agent)
    assert state["state"] == "not_responding"
    assert (await desk.events("interaction.requeued"))[-1]["data"]["why"] == "timeout"
    # back to available: the contact is offered again
    await desk.ok("PUT", f"/agents/{agent}/state", "agent", json={"state": "available"})
    assert (await desk.routed(iid))["status"] == "queued"  # they let it ring out: not them
    other = await desk.agent("supervisor", [member(chat)])
    assert (await desk.routed(iid))["agent_id"] == other


async def test_auto_accept_channels_skip_the_offer(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    await desk.agent("agent", [member(chat)], auto_accept=["chat"])
    iid = await desk.contact()
    row = await desk.routed(iid)
    assert row["status"] == "active"
    kinds = [e["kind"] for e in (await desk.ok("GET", "/events"))["events"]]
    assert "interaction.answered" in kinds


async def test_a_call_blocks_chats_but_chats_share_capacity(desk: Desk) -> None:
    both = await desk.queue("support", channels=["chat", "voice"])
    await desk.agent(
        "agent",
        [member(both)],
        capacity={"voice": 1, "chat": 3},
        blocks={"voice": ["chat"]},
        auto_accept=["voice", "chat"],
    )
    call = await desk.contact("voice")
    assert (await desk.routed(call))["status"] == "active"
    chat = await desk.contact("chat")
    assert (await desk.routed(chat))["status"] == "queued"  # on a call: no chat
    await desk.ok("POST", f"/interactions/{call}/steps", "agent", json={"step": "ended"})
    assert (await desk.routed(chat))["status"] == "active"


async def test_requirements_relax_as_the_contact_waits(desk: Desk, clock: Clock) -> None:
    steps = [{"after": 0, "skill": "cards", "min_level": 4}, {"after": 30}]
    chat = await desk.queue("cards", channels=["chat"], steps=steps)
    await desk.agent("agent", [member(chat)], skills={"cards": 2})
    iid = await desk.contact()
    assert (await desk.routed(iid))["status"] == "queued"
    clock.advance(31)
    await desk.tick()
    assert (await desk.routed(iid))["status"] == "offered"


async def test_priority_boosts_serve_vip_and_repeat_contacts_first(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"], repeat_boost=5)
    first = await desk.contact(email="new@ex.com")
    again = await desk.contact(email="new@ex.com", thread="another-conversation")
    assert (await desk.routed(first))["routing_priority"] == 0
    repeat = await desk.routed(again)
    if repeat["id"] != first:  # a second conversation of the same customer within 24 h
        assert repeat["routing_priority"] == 5
    waiting = await desk.ok("GET", f"/queues/{chat['id']}/waiting")
    assert waiting[0]["routing_priority"] >= waiting[-1]["routing_priority"]


async def test_wrap_up_holds_capacity_until_it_ends_by_itself(desk: Desk, clock: Clock) -> None:
    chat = await desk.queue("chat", channels=["chat"], wrap_up_seconds=30)
    agent = await desk.agent("agent", [member(chat)], capacity={"chat": 1}, auto_accept=["chat"])
    first = await desk.contact()
    await desk.ok("POST", f"/interactions/{first}/steps", "agent", json={"step": "ended"})
    assert (await desk.agent_state(agent))["presence"] == "wrap_up"
    second = await desk.contact()
    assert (await desk.routed(second))["status"] == "queued"
    clock.advance(31)
    await desk.tick()
    assert (await desk.routed(first))["status"] == "wrapped_up"
    assert (await desk.routed(second))["status"] == "active"
    auto = await desk.events("interaction.wrapped_up")
    assert auto[-1]["data"]["auto"] is True


async def test_agent_states_breaks_need_a_reason_and_supervisors_set_others(
    desk: Desk, world: World
) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    agent = await desk.agent("agent", [member(chat)])
    no_reason = await desk.call("PUT", f"/agents/{agent}/state", "agent", json={"state": "break"})
    assert no_reason.status_code == 422
    assert "lunch" in no_reason.json()["error"]["message"]
    await desk.ok(
        "PUT", f"/agents/{agent}/state", "agent", json={"state": "break", "reason": "lunch"}
    )
    supervisor = str(world.users["supervisor"].id)
    forbidden = await desk.call(
        "PUT", f"/agents/{supervisor}/state", "agent", json={"state": "offline"}
    )
    assert forbidden.status_code == 403
    await desk.ok("PUT", f"/agents/{agent}/state", "supervisor", json={"state": "offline"})
    changes = await desk.events("agent.state_changed")
    assert [(e["data"]["state"], e["data"]["reason"]) for e in changes] == [
        ("available", None),
        ("break", "lunch"),
        ("offline", None),
    ]
    assert all(e["occurred_at"] for e in changes)
    iid = await desk.contact()
    assert (await desk.routed(iid))["status"] == "queued"  # nobody available


async def test_transfer_to_a_queue_and_to_an_agent_keeps_the_case(desk: Desk) -> None:
    first = await desk.queue("first", channels=["chat"])
    second = await desk.queue("second", channels=["chat"], priority=-1)
    agent = await desk.agent("agent", [member(first)], auto_accept=["chat"])
    iid = await desk.contact()
    case_id = (await desk.ok("GET", f"/interactions/{iid}"))["case_id"]
    moved = await desk.ok(
        "POST", f"/interactions/{iid}/transfer", "agent", json={"queue_id": second["id"]}
    )
    assert moved["status"] == "queued"
    assert moved["queue"] == "second"
    assert moved["transfer_count"] == 1
    colleague = await desk.agent("supervisor", [member(second)])
    row = await desk.routed(iid)
    assert row["status"] == "offered"
    assert row["agent_id"] == colleague
    await desk.ok("POST", f"/interactions/{iid}/accept", "supervisor")
    direct = await desk.ok(
        "POST", f"/interactions/{iid}/transfer", "supervisor", json={"agent_id": agent}
    )
    assert direct["status"] == "offered"
    assert direct["agent_id"] == agent
    assert (await desk.ok("GET", f"/interactions/{iid}"))["case_id"] == case_id
    bad = await desk.call("POST", f"/interactions/{iid}/transfer", "agent", json={})
    assert bad.status_code == 422


async def test_supervisor_moves_a_waiting_contact_keeping_its_time(desk: Desk) -> None:
    first = await desk.queue("first", channels=["chat"])
    second = await desk.queue("second", channels=["chat"], priority=-1)
    iid = await desk.contact()
    before = await desk.routed(iid)
    refused = await desk.call(
        "POST", f"/interactions/{iid}/requeue", "agent", json={"queue_id": second["id"]}
    )
    assert refused.status_code == 403
    moved = await desk.ok(
        "POST", f"/interactions/{iid}/requeue", "supervisor", json={"queue_id": second["id"]}
    )
    assert moved["queue"] == "second"
    assert moved["queued_at"] == before["queued_at"]
    assert before["queue"] == first["name"]


async def test_closed_queue_actions(desk: Desk) -> None:
    rejecting = await desk.queue(
        "night", channels=["voice"], calendar=NEVER_OPEN, closed_action="reject"
    )
    iid = await desk.contact("voice")
    assert (await desk.routed(iid))["status"] == "ended"
    assert rejecting["closed_action"] == "reject"

    await desk.ok("PATCH", f"/queues/{rejecting['id']}", json={"closed_action": "callback"})
    iid = await desk.contact("voice")
    assert (await desk.routed(iid))["status"] == "queued"
    offered = await desk.events("interaction.callback_offered")
    assert offered[-1]["interaction_id"] == iid

    day = await desk.queue("day", channels=["sms"])
    await desk.ok(
        "PATCH",
        f"/queues/{rejecting['id']}",
        json={"closed_action": "transfer", "closed_queue_id": day["id"]},
    )
    iid = await desk.contact("voice")
    assert (await desk.routed(iid))["queue"] == "day"


async def test_full_queue_and_long_wait_overflow(desk: Desk, clock: Clock) -> None:
    spill = await desk.queue("spill", channels=["sms"])
    main = await desk.queue(
        "main",
        channels=["chat"],
        max_size=1,
        overflow_action="transfer",
        overflow_queue_id=spill["id"],
        max_wait_seconds=60,
    )
    first = await desk.contact()
    second = await desk.contact()
    assert (await desk.routed(first))["queue"] == main["name"]
    assert (await desk.routed(second))["queue"] == "spill"  # main was full
    clock.advance(61)
    await desk.tick()
    assert (await desk.routed(first))["queue"] == "spill"  # waited too long
    bad = await desk.call(
        "POST", "/queues", "admin", json={"name": "x", "overflow_action": "transfer"}
    )
    assert bad.status_code == 422


async def test_written_channel_response_clock_escalates_then_breaches(
    desk: Desk, clock: Clock, runtime: Runtime
) -> None:
    email = await desk.queue(
        "email",
        channels=["email"],
        first_response_seconds=600,
        next_response_seconds=300,
        escalate_at_percent=80,
        escalation_boost=10,
    )
    start = clock.now
    iid = await desk.contact("email")
    row = await desk.routed(iid)
    assert row["response_clock"] == "first"
    assert _at(row["response_due_at"]) == start + timedelta(seconds=600)
    async with runtime.sessions() as session:
        case = await session.scalar(
            select(Case)
            .join(Interaction, Interaction.case_id == Case.id)
            .where(Interaction.id == uuid.UUID(iid))
        )
        assert case is not None
        assert case.sla_due_at == start + timedelta(seconds=600)

    clock.advance(481)
    await desk.tick()
    row = await desk.routed(iid)
    assert row["sla_state"] == "at_risk"
    assert row["routing_priority"] == 10
    assert (await desk.events("sla.at_risk"))[-1]["interaction_id"] == iid
    clock.advance(120)
    await desk.tick()
    assert (await desk.routed(iid))["sla_state"] == "breached"
    assert email["first_response_seconds"] == 600

    await desk.agent("agent", [member(email)], auto_accept=["email"])
    await desk.ok("POST", f"/interactions/{iid}/messages", "agent", json={"body": "On it"})
    row = await desk.routed(iid)
    assert row["response_clock"] is None
    responded = (await desk.events("sla.responded"))[-1]
    assert responded["data"]["breached"] is True
    # the customer writes again in the same conversation: the next-response clock starts
    clock.advance(60)
    again = await desk.contact("email", email="c1@ex.com")
    assert again == iid
    row = await desk.routed(iid)
    assert row["response_clock"] == "next"
    assert _at(row["response_due_at"]) == clock.now + timedelta(seconds=300)


async def test_business_hours_count_for_deadlines(desk: Desk, clock: Clock) -> None:
    # open 09:00-17:00 UTC on weekdays; 2026-11-25 is a Wednesday, the clock says 10:00
    hours = {"week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    await desk.queue("email", channels=["email"], calendar=hours, first_response_seconds=8 * 3600)
    iid = await desk.contact("email")
    due = _at((await desk.routed(iid))["response_due_at"])
    assert due == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # eight open hours later


async def test_bad_routing_input_gets_clear_errors(desk: Desk) -> None:
    bad_calendar = await desk.call(
        "POST", "/queues", "admin", json={"name": "q", "calendar": {"week": {"funday": []}}}
    )
    assert bad_calendar.status_code == 422
    assert "funday" in bad_calendar.json()["error"]["message"]
    await desk.queue("q", channels=["chat"])
    duplicate = await desk.call("POST", "/queues", "admin", json={"name": "q"})
    assert duplicate.status_code == 409
    forbidden = await desk.call("POST", "/queues", "supervisor", json={"name": "r"})
    assert forbidden.status_code == 403
    unknown = await desk.call(
        "POST", "/routing-profiles", "admin",
        json={"name": "p", "queues": [{"queue_id": str(uuid.uuid4())}]},
    )  # fmt: skip
    assert unknown.status_code == 404
    level = await desk.call(
        "PATCH", f"/agents/{desk.world.users['agent'].id}", "supervisor", json={"skills": {"x": 9}}
    )
    assert level.status_code == 422
    unset = await desk.call(
        "PUT", f"/agents/{desk.world.users['planner'].id}/state", "planner",
        json={"state": "available"},
    )  # fmt: skip
    assert unset.status_code in (403, 422)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _jobs(desk: Desk, kind: str) -> list[Job]:
    async with desk.runtime.sessions() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))


async def test_the_agent_who_served_the_customer_last_is_preferred(
    desk: Desk, clock: Clock
) -> None:
    chat = await desk.queue("chat", channels=["chat"], preferred_agent_hours=24)
    solo = {"auto_accept": ["chat"], "capacity": {"chat": 1}}
    colleague = await desk.agent("supervisor", [member(chat)], **solo)
    bob = await desk.contact(email="bob@ex.com")
    assert (await desk.routed(bob))["agent_id"] == colleague
    clock.advance(10)
    agent = await desk.agent("agent", [member(chat)], **solo)
    ada = await desk.contact(email="ada@ex.com")
    assert (await desk.routed(ada))["agent_id"] == agent
    clock.advance(10)
    await desk.ok("POST", f"/interactions/{ada}/steps", "agent", json={"step": "ended"})
    await desk.ok("POST", f"/interactions/{bob}/steps", "supervisor", json={"step": "ended"})
    # the colleague has been idle longer, but Ada's next conversation goes to the agent she knows
    again = await desk.contact(email="ada@ex.com", thread="second")
    assert (await desk.routed(again))["agent_id"] == agent
    stranger = await desk.contact(email="cy@ex.com")
    assert (await desk.routed(stranger))["agent_id"] == colleague


async def test_vip_and_repeat_contacts_are_served_first(desk: Desk, runtime: Runtime) -> None:
    chat = await desk.queue("chat", channels=["chat", "sms"], vip_boost=10, repeat_boost=5)
    plain = await desk.contact(email="bob@ex.com")
    first = await desk.contact(email="ada@ex.com")
    async with runtime.sessions() as session, session.begin():
        row = await session.get(Interaction, uuid.UUID(first))
        assert row is not None
        customer = await session.get(Customer, row.customer_id)
        assert customer is not None
        customer.vip = True
    vip = await desk.contact("sms", email="ada@ex.com")  # the same customer, again
    waiting = await desk.ok("GET", f"/queues/{chat['id']}/waiting")
    assert [w["id"] for w in waiting] == [vip, plain, first]
    assert [w["routing_priority"] for w in waiting] == [15, 0, 0]  # VIP + repeat


async def test_tick_jobs_run_timed_changes_through_the_worker(
    desk: Desk, clock: Clock, runtime: Runtime
) -> None:
    chat = await desk.queue("chat", channels=["chat"], offer_timeout_seconds=10)
    agent = await desk.agent("agent", [member(chat)])
    iid = await desk.contact()
    assert (await desk.routed(iid))["status"] == "offered"
    assert await runtime.worker.run_due() == 0  # nothing is due yet
    clock.advance(11)
    assert await runtime.worker.run_due() >= 1
    assert (await desk.routed(iid))["status"] == "queued"
    assert (await desk.agent_state(agent))["state"] == "not_responding"


async def test_queue_stats_count_the_service_level_of_the_day(desk: Desk, clock: Clock) -> None:
    chat = await desk.queue("chat", channels=["chat"], sl_seconds=20)
    agent = await desk.agent("agent", [member(chat)], capacity={"chat": 1}, auto_accept=["chat"])
    quick = await desk.contact()  # answered at once
    slow = await desk.contact()  # waits until the agent is free
    gone = await desk.contact()  # the customer leaves before anyone answers
    clock.advance(30)
    await desk.ok("POST", f"/interactions/{gone}/steps", "agent", json={"step": "ended"})
    await desk.ok("POST", f"/interactions/{quick}/steps", "agent", json={"step": "ended"})
    assert (await desk.routed(slow))["agent_id"] == agent
    [stats] = await desk.ok("GET", "/queue-stats")
    assert stats["answered_today"] == 2
    assert stats["answered_in_target_today"] == 1  # the slow one waited 30 s, over 20
    assert stats["abandoned_today"] == 1
    assert stats["service_level_today"] == pytest.approx(33.3)


async def test_channel_stats_add_up_every_queue_of_a_channel(desk: Desk, clock: Clock) -> None:
    fast = await desk.queue("fast", channels=["chat"], sl_seconds=60, priority=5)
    slow = await desk.queue("slow", channels=["chat", "email"], sl_seconds=10)
    agent = await desk.agent(
        "agent", [member(fast), member(slow)], capacity={"chat": 1}, auto_accept=["chat"]
    )
    first = await desk.contact()  # answered at once, in the fast queue
    second = await desk.contact()  # waits 30 s: in target for fast, not for slow
    await desk.ok(
        "POST", f"/interactions/{second}/requeue", "supervisor", json={"queue_id": slow["id"]}
    )
    await desk.contact(channel="email")  # no agent takes e-mail: it waits
    clock.advance(30)
    await desk.ok("POST", f"/interactions/{first}/steps", "agent", json={"step": "ended"})
    assert (await desk.routed(second))["agent_id"] == agent
    stats = {s["channel"]: s for s in await desk.ok("GET", "/channel-stats", "supervisor")}
    assert set(stats) == {"chat", "email"}
    chat, email = stats["chat"], stats["email"]
    assert (chat["waiting"], chat["answered_today"], chat["abandoned_today"]) == (0, 2, 0)
    assert chat["answered_in_target_today"] == 1  # each against its own queue's target
    assert chat["service_level_today"] == pytest.approx(50.0)
    assert (chat["agents_available"], chat["agents_staffed"]) == (1, 1)
    assert (email["waiting"], email["longest_wait_seconds"]) == (1, 30)
    assert (email["agents_staffed"], email["service_level_today"]) == (0, None)


async def test_a_queue_switched_off_takes_no_new_contacts(desk: Desk) -> None:
    main = await desk.queue("main", channels=["chat"], priority=5)
    spare = await desk.queue("spare", channels=["chat"])
    first = await desk.contact()
    assert (await desk.routed(first))["queue"] == "main"
    await desk.ok("PATCH", f"/queues/{main['id']}", json={"active": False})
    second = await desk.contact()
    assert (await desk.routed(second))["queue"] == spare["name"]
    assert (await desk.routed(first))["queue"] == "main"  # still waits where it was


async def test_a_contact_waits_in_the_queue_that_serves_its_reason(desk: Desk) -> None:
    cards = await desk.ok("POST", "/reasons", json={"code": "cards", "name": "Cards"})
    await desk.ok(
        "POST", "/reasons", json={"code": "cards.lost", "name": "Lost", "parent_id": cards["id"]}
    )
    await desk.ok("POST", "/reasons", json={"code": "loans", "name": "Loans"})
    await desk.queue("general", channels=["chat"], priority=10)
    card_queue = await desk.queue("cards", channels=["chat"], reasons=["cards"])
    lost = await desk.contact(reason="cards.lost")  # a child of a served reason
    other = await desk.contact(reason="loans")  # no queue serves it
    plain = await desk.contact()
    assert (await desk.routed(lost))["queue_id"] == card_queue["id"]
    assert (await desk.routed(other))["queue"] == "general"
    assert (await desk.routed(plain))["queue"] == "general"
    bad = await desk.call("POST", "/queues", "admin", json={"name": "x", "reasons": ["nope"]})
    assert bad.status_code == 422
    assert "unknown contact reason 'nope'" in bad.json()["error"]["message"]
    shown = await desk.ok("GET", f"/queues/{card_queue['id']}")
    assert shown["reasons"] == ["cards"]


async def test_a_contact_no_queue_takes_is_listed_unrouted_with_why(desk: Desk) -> None:
    chat = await desk.queue("chat", channels=["chat"])
    visit = await desk.contact(channel="branch", subject="Came with an ID")
    switched_off = await desk.queue("letters", channels=["post"], active=False)
    letter = await desk.contact(channel="post")
    listed = await desk.ok("GET", "/unrouted", "supervisor")
    assert [(u["id"], u["channel"], u["reason"]) for u in listed] == [
        (visit, "branch", "no queue serves channel 'branch'"),
        (letter, "post", f"the queues of channel 'post' are switched off: {switched_off['name']}"),
    ]
    assert listed[0]["subject"] == "Came with an ID"
    assert listed[0]["case_number"] == 1
    shown = await desk.ok("GET", f"/interactions/{visit}")
    assert shown["unrouted_reason"] == "no queue serves channel 'branch'"
    assert len(await desk.events("interaction.unrouted")) == 2
    # a supervisor places it in a queue: it waits there from now and is offered from there
    agent = await desk.agent("agent", [member(chat)], capacity={"branch": 1})
    placed = await desk.ok(
        "POST", f"/interactions/{visit}/requeue", "supervisor", json={"queue_id": chat["id"]}
    )
    assert (placed["status"], placed["queue"], placed["unrouted_reason"]) == (
        "queued", "chat", None,
    )  # fmt: skip
    await desk.tick()
    offered = await desk.routed(visit)
    assert (offered["status"], offered["agent_id"]) == ("offered", agent)
    assert [u["id"] for u in await desk.ok("GET", "/unrouted", "supervisor")] == [letter]
    # the letters' queue switched on again: the letter is admitted there, nothing stays unrouted
    await desk.ok("PATCH", f"/queues/{switched_off['id']}", json={"active": True})
    assert (await desk.routed(letter))["queue"] == switched_off["name"]
    assert await desk.ok("GET", "/unrouted", "supervisor") == []
    pigeons = await desk.call("POST", "/queues", json={"name": "p", "channels": ["pigeon"]})
    assert pigeons.status_code == 422
    assert "'pigeon' is not a channel of this tenant" in pigeons.json()["error"]["message"]


async def test_a_wrap_up_timed_out_without_a_required_reason_needs_one(
    desk: Desk, clock: Clock
) -> None:
    await desk.ok("POST", "/reasons", json={"code": "cards", "name": "Cards"})
    chat = await desk.queue("chat", channels=["chat"], wrap_up_seconds=30)
    agent = await desk.agent("agent", [member(chat)], capacity={"chat": 1}, auto_accept=["chat"])
    first = await desk.contact(reason="cards")
    await desk.ok("POST", f"/interactions/{first}/steps", "agent", json={"step": "ended"})
    clock.advance(31)
    await desk.tick()
    # the agent is free as the timer says; the contact stays theirs, marked as needing a reason
    assert (await desk.agent_state(agent))["presence"] == "available"
    shown = await desk.ok("GET", f"/interactions/{first}", "agent")
    assert (shown["status"], shown["needs_reason"], shown["agent_id"]) == (
        "wrapped_up", True, agent,
    )  # fmt: skip
    [auto] = await desk.events("interaction.wrapped_up")
    assert (auto["data"]["auto"], auto["data"]["needs_reason"]) == (True, True)
    # reports count them: a filter on the field
    counted = await desk.ok("GET", "/interactions", "supervisor", params={"needs_reason": "true"})
    assert [i["id"] for i in counted["items"]] == [first]
    unknown = await desk.call(
        "POST", f"/interactions/{first}/classify", "agent", json={"reason_code": "nope"}
    )
    assert unknown.status_code == 422
    done = await desk.ok(
        "POST", f"/interactions/{first}/classify", "agent", json={"reason_code": "cards"}
    )
    assert (done["needs_reason"], done["reason_id"] is not None) == (False, True)
    assert (await desk.ok("GET", "/interactions", params={"needs_reason": "true"}))["items"] == []
    assert len(await desk.events("interaction.classified")) == 1
    # where a reason is not required, a timed-out wrap-up needs none
    await desk.ok("PATCH", "", json={"wrap_up_reason_required": False})
    second = await desk.contact(email="bo@ex.com")
    await desk.ok("POST", f"/interactions/{second}/steps", "agent", json={"step": "ended"})
    clock.advance(31)
    await desk.tick()
    assert (await desk.ok("GET", f"/interactions/{second}"))["needs_reason"] is False
    active = await desk.contact(email="cy@ex.com")
    refused = await desk.call(
        "POST", f"/interactions/{active}/classify", "agent", json={"reason_code": "cards"}
    )
    assert refused.status_code == 409
