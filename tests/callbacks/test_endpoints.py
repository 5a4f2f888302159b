"""Callbacks through the API on a real database: promised in a chat, due at their time in the
queue's hours, offered to the agent who promised them, made and wrapped up; rescheduled,
cancelled, kept across a restart; rights and bad input."""

from datetime import datetime, timedelta

import pytest

from omniline.runtime import Runtime
from tests.callbacks.conftest import PHONE, START, Center, at

WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


async def test_a_callback_is_due_offered_to_its_agent_made_and_done(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    agent = center.user("agent")
    made = await center.promise(
        chat, due_at=at(hours=1), preferred_agent_id=agent, note="Card blocked abroad"
    )
    assert made["status"] == "scheduled"
    assert made["phone_masked"]  # the number is masked by default
    assert made["phone"] != PHONE
    assert made["due_at"] == at(hours=1)
    assert made["case_id"] == chat["case_id"]

    center.clock.advance(minutes=59)
    await center.jobs()
    assert (await center.callback(made["id"]))["status"] == "scheduled"
    assert await center.voice_calls() == []

    center.clock.advance(minutes=1)
    await center.jobs()
    shown = await center.callback(made["id"], reveal="true")
    assert shown["status"] == "offered"
    assert (shown["phone"], shown["phone_masked"]) == (PHONE, False)
    [call] = await center.voice_calls()
    assert call["id"] == shown["interaction_id"]
    assert (call["case_id"], call["direction"]) == (chat["case_id"], "outbound")
    # offered to the agent who promised it, though the supervisor has been idle longer
    assert (call["status"], call["agent_id"]) == ("offered", agent)
    notes = await center.ok("GET", f"/interactions/{call['id']}/messages", "agent")
    assert "Card blocked abroad" in notes["items"][0]["body"]

    await center.ok("POST", f"/interactions/{call['id']}/accept", "agent")
    assert (await center.callback(made["id"]))["status"] == "in_progress"
    for step in ("ended", "wrapped_up"):
        await center.ok("POST", f"/interactions/{call['id']}/steps", "agent", json={"step": step})
    assert (await center.callback(made["id"]))["status"] == "done"
    done = await center.ok("GET", "/callbacks", params={"status": "done"})
    assert [c["id"] for c in done["items"]] == [made["id"]]

    kinds = [e["kind"] for e in await center.events("callback.")]
    assert kinds == ["callback.scheduled", "callback.due"]
    timeline = await center.ok("GET", f"/cases/{chat['case_id']}")
    assert call["id"] in {i["id"] for i in timeline["interactions"]}
    reads = await center.ok("GET", "/audit", params={"action": "customer.pii_read"})
    assert reads["items"], "revealing the number is audited"


async def test_nobody_else_gets_it_until_the_hold_ends(center: Center) -> None:
    await center.set_up()
    await center.state("agent", "offline")
    chat = await center.chat()
    made = await center.promise(
        chat, preferred_agent_id=center.user("agent")
    )  # as soon as possible
    await center.jobs()
    assert (await center.callback(made["id"]))["status"] == "queued"  # held for the agent

    center.clock.advance(minutes=15)
    await center.jobs()
    [call] = await center.voice_calls()
    assert (call["status"], call["agent_id"]) == ("offered", center.user("supervisor"))


@pytest.mark.parametrize("clock", ["wednesday"], indirect=True)  # the hours fit Wednesday 10:00
async def test_a_callback_due_after_hours_waits_for_the_queue_to_open(center: Center) -> None:
    await center.set_up(calendar={"week": WEEKDAYS})
    chat = await center.chat()
    made = await center.promise(chat, due_at=at(hours=8))  # 18:00, closed
    center.clock.advance(hours=8)
    await center.jobs()
    assert (await center.callback(made["id"]))["status"] == "scheduled"
    [waiting] = await center.events("callback.waiting")
    until = datetime.fromisoformat(waiting["data"]["until"])
    assert until == START + timedelta(hours=23)  # 09:00 the next day

    center.clock.advance(hours=14, minutes=59)
    await center.jobs()
    assert (await center.callback(made["id"]))["status"] == "scheduled"
    center.clock.advance(minutes=1)
    await center.jobs()
    assert (await center.callback(made["id"]))["status"] == "offered"


async def test_reschedule_moves_the_call_and_a_cancelled_one_is_never_made(
    center: Center,
) -> None:
    await center.set_up()
    chat = await center.chat()
    moved = await center.promise(chat, due_at=at(hours=1))
    dropped = await center.promise(chat, due_at=at(hours=1), note="if still needed")
    changed = await center.ok(
        "PATCH",
        f"/callbacks/{moved['id']}",
        "agent",
        json={"due_at": at(hours=2), "phone": "+48 22 123 45 67", "note": "after lunch"},
    )
    assert (changed["due_at"], changed["note"]) == (at(hours=2), "after lunch")
    cancelled = await center.ok(
        "POST", f"/callbacks/{dropped['id']}/cancel", "agent", json={"reason": "solved in chat"}
    )
    assert cancelled["status"] == "cancelled"

    center.clock.advance(hours=1)
    await center.jobs()
    assert await center.voice_calls() == []
    center.clock.advance(hours=1)
    await center.jobs()
    [call] = await center.voice_calls()
    shown = await center.callback(moved["id"], reveal="true")
    assert (shown["interaction_id"], shown["phone"]) == (call["id"], "+48221234567")
    assert (await center.callback(dropped["id"]))["status"] == "cancelled"

    again = await center.call(
        "PATCH", f"/callbacks/{dropped['id']}", "agent", json={"due_at": at(hours=3)}
    )
    assert again.status_code == 409
    assert "cancelled: schedule a new one" in again.json()["error"]["message"]
    late = await center.call("POST", f"/callbacks/{moved['id']}/cancel", "agent")
    assert late.status_code == 409
    assert "already offered" in late.json()["error"]["message"]
    kinds = {e["kind"] for e in await center.events("callback.")}
    assert {"callback.updated", "callback.cancelled"} <= kinds


async def test_a_restart_keeps_the_callback(center: Center, runtime: Runtime) -> None:
    await center.set_up()
    chat = await center.chat()
    made = await center.promise(chat, due_at=at(days=2))
    await runtime.router.stop()
    restarted = Runtime.build(runtime.settings)  # nothing in memory: the job is in the database
    await restarted.start(worker=False)
    try:
        center.clock.advance(days=2)
        await center.desks.beat()  # the agents' desks are still connected
        while await restarted.worker.run_due():
            await restarted.router.settle()
        await restarted.router.settle()
    finally:
        await restarted.stop()
    shown = await center.callback(made["id"])
    assert shown["status"] == "offered"


async def test_rights(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    theirs = await center.promise(chat, "supervisor")
    mine = await center.promise(chat, "agent", due_at=at(hours=1))

    refused = await center.call("POST", f"/callbacks/{theirs['id']}/cancel", "agent")
    assert refused.status_code == 403
    assert "only the agent who offered" in refused.json()["error"]["message"]
    for_someone = await center.call(
        "POST",
        f"/interactions/{chat['id']}/callbacks",
        "agent",
        json={"preferred_agent_id": center.user("supervisor")},
    )
    assert for_someone.status_code == 403
    assert (
        await center.call("POST", f"/interactions/{chat['id']}/callbacks", "planner", json={})
    ).status_code == 403
    # the planner may read callbacks, never the number
    seen = await center.ok("GET", f"/callbacks/{mine['id']}", "planner", params={"reveal": "true"})
    assert seen["phone_masked"]
    # a supervisor manages everyone's
    await center.ok("PATCH", f"/callbacks/{mine['id']}", "supervisor", json={"note": "VIP"})
    listed = await center.ok(
        "GET", "/callbacks", "agent", params={"agent_id": center.user("agent")}
    )
    assert [c["id"] for c in listed["items"]] == [mine["id"]]

    other = center.world.auth("other_admin")
    for path in (f"/api/v1/tenants/acme/callbacks/{mine['id']}",
                 f"/api/v1/tenants/globex/callbacks/{mine['id']}"):  # fmt: skip
        assert (await center.client.get(path, headers=other)).status_code == 404


def bad() -> list[tuple[dict[str, str], str | None, str]]:
    """Bad bodies, with times from the test's start: (body, field named, words said)."""
    return [
        ({"due_at": at(minutes=-10)}, "due_at", "in the past"),
        ({"due_at": at(days=31)}, "due_at", "more than 30 days"),
        ({"due_at": "2026-11-25T12:00:00"}, None, "timezone"),
        ({"phone": "call me maybe"}, "phone", "not a phone number"),
        ({"phone": "+44 12"}, "phone", "not a possible phone number"),
        ({"due_at": at(hours=2), "window_end_at": at(hours=1)}, "window_end_at", "after the due"),
        ({"window_end_at": at(days=2)}, "window_end_at", "longer than 24 hours"),
        ({"queue_id": "01a25079-9849-7e22-a6ae-39fe07ef789b"}, "queue_id", "names no queue"),
        ({"when": "tomorrow"}, None, "Extra inputs"),
    ]


async def test_bad_input_is_refused_with_a_reason(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    for body, field, words in bad():
        response = await center.call(
            "POST", f"/interactions/{chat['id']}/callbacks", "agent", json=body
        )
        assert response.status_code == 422, (body, response.text)
        assert words in response.text, (body, response.text)
        if field is not None:
            assert response.json()["error"]["details"]["field"] == field
    made = await center.promise(chat, due_at=at(hours=1))
    past = await center.call(
        "PATCH", f"/callbacks/{made['id']}", "agent", json={"due_at": at(hours=-1)}
    )
    assert past.status_code == 422
    assert "in the past" in past.text
    naive = await center.call("GET", "/callbacks", params={"due_from": "2026-11-25T10:00:00"})
    assert naive.status_code == 422
    assert "timezone" in naive.text
    ranged = await center.ok(
        "GET", "/callbacks", params={"due_from": at(minutes=59), "due_to": at(minutes=61)}
    )
    assert [c["id"] for c in ranged["items"]] == [made["id"]]


async def test_a_number_and_a_voice_queue_are_needed(center: Center) -> None:
    chat = await center.chat([{"kind": "email", "value": "nophone@example.com"}])
    no_queue = await center.call("POST", f"/interactions/{chat['id']}/callbacks", "agent", json={})
    assert no_queue.status_code == 422
    assert "no phone number on file" in no_queue.text
    with_phone = await center.call(
        "POST", f"/interactions/{chat['id']}/callbacks", "agent", json={"phone": PHONE}
    )
    assert "no active queue takes voice contacts" in with_phone.text
    queue = await center.set_up()
    chat_queue = await center.ok("POST", "/queues", json={"name": "chat", "channels": ["chat"]})
    wrong = await center.call(
        "POST",
        f"/interactions/{chat['id']}/callbacks",
        "agent",
        json={"phone": PHONE, "queue_id": chat_queue["id"]},
    )
    assert "does not take voice contacts" in wrong.text
    assert queue["id"]


async def test_a_callback_reopens_a_case_closed_before_it_was_due(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    made = await center.promise(chat, due_at=at(minutes=30))
    done = {"status": "resolved", "end_open_contacts": "a callback is promised"}
    await center.ok("PATCH", f"/cases/{chat['case_id']}", json=done)
    center.clock.advance(minutes=30)
    await center.jobs()
    case = await center.ok("GET", f"/cases/{chat['case_id']}")
    assert case["status"] == "open"
    assert (await center.callback(made["id"]))["status"] == "offered"
    assert timedelta(minutes=30)


async def test_when_its_agent_declines_anyone_may_take_it(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    await center.promise(chat, preferred_agent_id=center.user("agent"))
    await center.jobs()
    [call] = await center.voice_calls()
    assert call["agent_id"] == center.user("agent")
    await center.ok("POST", f"/interactions/{call['id']}/decline", "agent")
    [call] = await center.voice_calls()
    assert (call["status"], call["agent_id"]) == ("offered", center.user("supervisor"))
