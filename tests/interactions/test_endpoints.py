"""Interactions over HTTP: the full path of a contact from inbound message to wrap-up."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from omniline.kit.clock import set_clock
from omniline.models import AuditEntry, Job, JobStatus, Message
from omniline.runtime import Runtime
from tests.conftest import World

TENANT = "/api/v1/tenants/acme"
URL = f"{TENANT}/interactions"


async def inbound(
    client: httpx.AsyncClient,
    world: World,
    external_id: str,
    email: str = "ada@example.com",
    channel: str = "webform",
) -> dict[str, Any]:
    body = {
        "channel": channel,
        "external_id": external_id,
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": email}]},
        "body": "My card is blocked",
    }
    response = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
    assert response.status_code == 200, response.text
    landed: dict[str, Any] = response.json()
    return landed


async def step(
    client: httpx.AsyncClient, world: World, interaction_id: str, name: str, **extra: str
) -> httpx.Response:
    return await client.post(
        f"{URL}/{interaction_id}/steps", json={"step": name, **extra}, headers=world.auth("agent")
    )


async def test_full_path_from_inbound_to_wrap_up(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    reason = await client.post(
        f"{TENANT}/reasons", json={"code": "cards", "name": "Cards"}, headers=world.auth("admin")
    )
    landed = await inbound(client, world, "m1")
    agent = world.auth("agent")
    iid = landed["interaction_id"]

    cases = (await client.get(f"{TENANT}/cases", headers=agent)).json()["items"]
    assert [c["id"] for c in cases] == [landed["case_id"]]
    listed = await client.get(URL, params={"case_id": landed["case_id"]}, headers=agent)
    assert [i["id"] for i in listed.json()["items"]] == [iid]

    answered = await step(client, world, iid, "answered")
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "active"
    assert answered.json()["agent_id"] == str(world.users["agent"].id)
    assert answered.json()["answered_at"] is not None

    reply = await client.post(
        f"{URL}/{iid}/messages", json={"body": "We unblocked it."}, headers=agent
    )
    assert reply.status_code == 201, reply.text
    message = reply.json()
    assert message["delivery_status"] == "queued"
    assert message["direction"] == "outbound"
    assert message["author_kind"] == "agent"
    assert message["author_id"] == str(world.users["agent"].id)
    async with runtime.sessions() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == "messages.send")))
    assert [j.payload for j in jobs] == [{"message_id": message["id"]}]

    assert await runtime.worker.run_due() == 1
    async with runtime.sessions() as session:
        sent = await session.get(Message, uuid.UUID(message["id"]))
        job = await session.get(Job, jobs[0].id)
        assert sent is not None
        assert sent.delivery_status == "sent"
        assert job is not None
        assert job.status == JobStatus.DONE
    messages = (await client.get(f"{URL}/{iid}/messages", headers=agent)).json()["items"]
    assert [m["delivery_status"] for m in messages] == ["received", "sent"]

    assert (await step(client, world, iid, "ended")).json()["status"] == "ended"
    wrapped = await step(client, world, iid, "wrapped_up", reason_code="cards")
    assert wrapped.status_code == 200, wrapped.text
    assert wrapped.json()["status"] == "wrapped_up"
    assert wrapped.json()["reason_id"] == reason.json()["id"]

    events = (await client.get(f"{URL}/{iid}/events", headers=world.auth("planner"))).json()
    assert [e["kind"] for e in events] == [
        "interaction.created",
        "message.created",
        "interaction.answered",
        "message.created",
        "message.delivery_changed",
        "interaction.ended",
        "interaction.wrapped_up",
    ]
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert events[3]["data"]["message_id"] == message["id"]
    assert events[4]["data"]["message_id"] == message["id"]
    assert events[6]["data"]["reason_code"] == "cards"
    assert events[2]["actor_id"] == str(world.users["agent"].id)


async def test_internal_note_is_not_sent_nor_shown_to_tokens(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = (await inbound(client, world, "m1"))["interaction_id"]
    note = await client.post(
        f"{URL}/{iid}/messages",
        json={"body": "<b>VIP</b>, be nice", "content_type": "text/html", "internal": True},
        headers=world.auth("agent"),
    )
    assert note.status_code == 201
    assert note.json()["internal"] is True
    assert note.json()["delivery_status"] == "received"
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(Job))) == []
        audits = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == note.json()["id"])
        )
        assert list(audits) == ["message.note_added"]
    people = await client.get(f"{URL}/{iid}/messages", headers=world.auth("planner"))
    assert len(people.json()["items"]) == 2
    token = await client.get(f"{URL}/{iid}/messages", headers=world.auth("api"))
    assert [m["internal"] for m in token.json()["items"]] == [False]


async def test_reply_refusals(client: httpx.AsyncClient, world: World) -> None:
    iid = (await inbound(client, world, "m1"))["interaction_id"]
    url = f"{URL}/{iid}/messages"
    planner = await client.post(url, json={"body": "hi"}, headers=world.auth("planner"))
    assert planner.status_code == 403
    empty = await client.post(url, json={"body": ""}, headers=world.auth("agent"))
    assert empty.status_code == 422
    pdf = await client.post(
        url, json={"body": "x", "content_type": "application/pdf"}, headers=world.auth("agent")
    )
    assert pdf.status_code == 422
    await step(client, world, iid, "ended")
    late = await client.post(url, json={"body": "hi"}, headers=world.auth("agent"))
    assert late.status_code == 422
    assert "start a new outbound interaction" in late.json()["error"]["message"]
    note = await client.post(url, json={"body": "n", "internal": True}, headers=world.auth("agent"))
    assert note.status_code == 201


async def test_bad_transitions_answer_422(client: httpx.AsyncClient, world: World) -> None:
    iid = (await inbound(client, world, "m1"))["interaction_id"]
    held = await step(client, world, iid, "held")
    assert held.status_code == 422
    assert held.json()["error"]["message"] == "an interaction that is created cannot be held"
    early = await step(client, world, iid, "wrapped_up")
    assert early.status_code == 422
    unknown = await step(client, world, iid, "teleported")
    assert unknown.status_code == 422
    misplaced = await step(client, world, iid, "answered", reason_code="cards")
    assert misplaced.status_code == 422
    assert "wrap-up" in misplaced.json()["error"]["message"]
    await step(client, world, iid, "answered")
    await step(client, world, iid, "ended")
    bad_reason = await step(client, world, iid, "wrapped_up", reason_code="nope")
    assert bad_reason.status_code == 422
    assert "unknown contact reason 'nope'" in bad_reason.json()["error"]["message"]
    planner = await client.post(
        f"{URL}/{iid}/steps", json={"step": "wrapped_up"}, headers=world.auth("planner")
    )
    assert planner.status_code == 403
    current = await client.get(f"{URL}/{iid}", headers=world.auth("agent"))
    assert current.json()["status"] == "ended"


async def test_hold_resume_and_transfer(client: httpx.AsyncClient, world: World) -> None:
    iid = (await inbound(client, world, "m1"))["interaction_id"]
    await step(client, world, iid, "answered")
    assert (await step(client, world, iid, "held")).json()["status"] == "held"
    assert (await step(client, world, iid, "resumed")).json()["status"] == "active"
    moved = await step(client, world, iid, "transferred", queue="cards-2nd-line")
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "queued"
    assert moved.json()["queue"] == "cards-2nd-line"
    assert moved.json()["agent_id"] is None
    assert moved.json()["transfer_count"] == 1


async def test_move_to_another_case_of_the_same_customer(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await inbound(client, world, "m1")
    customer = first["customer_id"]
    agent = world.auth("agent")
    other_case = await client.post(
        f"{TENANT}/cases", json={"customer_id": customer, "subject": "Loan"}, headers=agent
    )
    target = other_case.json()["id"]
    url = f"{URL}/{first['interaction_id']}/move"
    moved = await client.post(url, json={"case_id": target}, headers=agent)
    assert moved.status_code == 200, moved.text
    assert moved.json()["case_id"] == target
    case = (await client.get(f"{TENANT}/cases/{target}", headers=agent)).json()
    assert [i["id"] for i in case["interactions"]] == [first["interaction_id"]]
    events = (await client.get(f"{URL}/{first['interaction_id']}/events", headers=agent)).json()
    assert events[-1]["kind"] == "interaction.moved"
    assert events[-1]["data"] == {"from_case_id": first["case_id"], "to_case_id": target}

    bob = await inbound(client, world, "m2", email="bob@example.com")
    refused = await client.post(url, json={"case_id": bob["case_id"]}, headers=agent)
    assert refused.status_code == 422
    assert "same customer" in refused.json()["error"]["message"]
    planner = await client.post(url, json={"case_id": target}, headers=world.auth("planner"))
    assert planner.status_code == 403


async def test_list_filters_and_pages(client: httpx.AsyncClient, world: World) -> None:
    web = await inbound(client, world, "m1")
    app = await inbound(client, world, "m2", channel="app")
    agent = world.auth("agent")
    by_channel = await client.get(URL, params={"channel": "app"}, headers=agent)
    assert [i["id"] for i in by_channel.json()["items"]] == [app["interaction_id"]]
    by_customer = await client.get(URL, params={"customer_id": web["customer_id"]}, headers=agent)
    assert len(by_customer.json()["items"]) == 2
    await step(client, world, web["interaction_id"], "answered")
    active = await client.get(URL, params={"status": "active"}, headers=agent)
    assert [i["id"] for i in active.json()["items"]] == [web["interaction_id"]]
    page = (await client.get(URL, params={"limit": 1}, headers=agent)).json()
    assert [i["id"] for i in page["items"]] == [web["interaction_id"]]
    rest = await client.get(URL, params={"limit": 1, "cursor": page["next_cursor"]}, headers=agent)
    assert [i["id"] for i in rest.json()["items"]] == [app["interaction_id"]]
    assert rest.json()["next_cursor"] is None

    for n in range(2, 4):
        await inbound(client, world, f"m{n + 1}")
    messages_url = f"{URL}/{web['interaction_id']}/messages"
    first = (await client.get(messages_url, params={"limit": 2}, headers=agent)).json()
    assert len(first["items"]) == 2
    more = await client.get(
        messages_url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=agent
    )
    assert len(more.json()["items"]) == 1
    assert more.json()["next_cursor"] is None


async def test_outbound_contact_started_by_an_agent(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    landed = await inbound(client, world, "m1")
    agent = world.auth("agent")
    joined = await client.post(
        URL, json={"customer_id": landed["customer_id"], "channel": "webform"}, headers=agent
    )
    assert joined.status_code == 201, joined.text
    row = joined.json()
    assert row["case_id"] == landed["case_id"]  # joins the open case
    assert row["direction"] == "outbound"
    assert row["status"] == "active"
    assert row["agent_id"] == str(world.users["agent"].id)
    reply = await client.post(
        f"{URL}/{row['id']}/messages", json={"body": "Calling you back"}, headers=agent
    )
    assert reply.status_code == 201
    assert await runtime.worker.run_due() == 1

    case_url = f"{TENANT}/cases/{landed['case_id']}"
    for iid in (landed["interaction_id"], row["id"]):  # a case is done when its contacts are
        ended = await client.post(f"{URL}/{iid}/steps", json={"step": "ended"}, headers=agent)
        assert ended.status_code == 200, ended.text
    for status in ("resolved", "closed"):
        done = await client.patch(case_url, json={"status": status}, headers=agent)
        assert done.status_code == 200, done.text
    into_closed = await client.post(
        URL,
        json={"customer_id": landed["customer_id"], "channel": "sms", "case_id": landed["case_id"]},
        headers=agent,
    )
    assert into_closed.status_code == 422
    assert "reopen" in into_closed.json()["error"]["message"]
    fresh = await client.post(
        URL, json={"customer_id": landed["customer_id"], "channel": "sms"}, headers=agent
    )
    assert fresh.json()["case_id"] != landed["case_id"]

    bob = await inbound(client, world, "m2", email="bob@example.com")
    wrong = await client.post(
        URL,
        json={"customer_id": landed["customer_id"], "channel": "sms", "case_id": bob["case_id"]},
        headers=agent,
    )
    assert wrong.status_code == 422
    planner = await client.post(
        URL,
        json={"customer_id": bob["customer_id"], "channel": "sms"},
        headers=world.auth("planner"),
    )
    assert planner.status_code == 403


async def test_other_tenant_gets_404_everywhere(client: httpx.AsyncClient, world: World) -> None:
    landed = await inbound(client, world, "m1")
    iid, case_id = landed["interaction_id"], landed["case_id"]
    who = world.auth("other_admin")
    for base in ("/api/v1/tenants/globex/interactions", URL):
        one = f"{base}/{iid}"
        calls = [
            client.get(one, headers=who),
            client.get(f"{one}/messages", headers=who),
            client.get(f"{one}/events", headers=who),
            client.post(f"{one}/messages", json={"body": "x"}, headers=who),
            client.post(f"{one}/steps", json={"step": "answered"}, headers=who),
            client.post(f"{one}/move", json={"case_id": case_id}, headers=who),
            client.post(
                base, json={"customer_id": landed["customer_id"], "channel": "sms"}, headers=who
            ),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 404, (response.request.url, response.text)
    assert (await client.get(URL, headers=who)).status_code == 404
    theirs = await client.get("/api/v1/tenants/globex/interactions", headers=who)
    assert theirs.json()["items"] == []
    # their own interaction cannot move into our case either
    globex = await client.post(
        "/api/v1/inbound",
        json={
            "channel": "webform",
            "external_id": "g1",
            "sender": {"identities": [{"kind": "email", "value": "ada@example.com"}]},
        },
        headers=world.auth("other_api"),
    )
    move = await client.post(
        f"/api/v1/tenants/globex/interactions/{globex.json()['interaction_id']}/move",
        json={"case_id": case_id},
        headers=who,
    )
    assert move.status_code == 404


async def test_people_classify_a_contact_when_they_wrap_it_up(
    client: httpx.AsyncClient, world: World
) -> None:
    await client.post(
        f"{TENANT}/reasons", json={"code": "cards", "name": "Cards"}, headers=world.auth("admin")
    )
    iid = (await inbound(client, world, "w1"))["interaction_id"]
    await step(client, world, iid, "answered")
    await step(client, world, iid, "ended")
    bare = await step(client, world, iid, "wrapped_up")
    assert bare.status_code == 422
    assert "classify the contact" in bare.json()["error"]["message"]
    by_system = await client.post(
        f"{URL}/{iid}/steps", json={"step": "wrapped_up"}, headers=world.auth("api")
    )
    assert by_system.status_code == 200  # a system (a CTI, an import) may leave it open
    other = (await inbound(client, world, "w2", email="bo@example.com"))["interaction_id"]
    await step(client, world, other, "answered")
    await step(client, world, other, "ended")
    classified = await step(client, world, other, "wrapped_up", reason_code="cards")
    assert classified.status_code == 200


async def test_interactions_filtered_by_date(client: httpx.AsyncClient, world: World) -> None:
    made = []
    for day in (1, 2, 3):
        at = datetime(2026, 12, day, 10, 0, tzinfo=UTC)
        set_clock(lambda at=at: at)
        try:
            made.append(await inbound(client, world, f"d{day}", email=f"c{day}@x.test"))
        finally:
            set_clock(None)
    ids = [m["interaction_id"] for m in made]

    async def listed(**params: str) -> list[str]:
        response = await client.get(URL, params=params, headers=world.auth("agent"))
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert await listed(**{"from": "2026-12-02"}) == ids[1:]
    assert await listed(to="2026-12-02") == ids[:2]  # a day as `to` takes the whole day
    assert await listed(**{"from": "2026-12-02T00:00:00Z", "to": "2026-12-02T10:00:00Z"}) == []
    assert await listed(**{"from": "2026-12-02", "to": "2026-12-02"}) == [ids[1]]
    for bad in ("yesterday", "2026-12-02T10:00:00", "2026-13-01"):
        response = await client.get(URL, params={"from": bad}, headers=world.auth("agent"))
        assert response.status_code == 422, bad
        assert "a day (2026-12-07) or a time with its zone" in response.json()["error"]["message"]
