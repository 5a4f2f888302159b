"""Snapshot + the events after it = a fresh snapshot, for every event kind that exists."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest

from omniline.cases import service as cases
from omniline.interactions import service as interactions
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.models import CaseStatus, Customer, Interaction, Priority, Tenant
from omniline.realtime.bus import EventView
from omniline.realtime.snapshot import (
    CaseView,
    InteractionView,
    Snapshot,
    StaleSnapshot,
    apply,
    apply_all,
    read_snapshot,
)
from omniline.runtime import Runtime
from tests.conftest import World

Change = Callable[[Work, Tenant], Awaitable[object]]


class Scene:
    """Changes the tenant through services and checks the applied snapshot after each."""

    def __init__(self, runtime: Runtime, tenant_id: uuid.UUID, agent_id: uuid.UUID) -> None:
        self.runtime = runtime
        self.tenant_id = tenant_id
        self.actor = Actor(ActorType.USER, agent_id)
        self.kinds: set[str] = set()

    async def start(self) -> Snapshot:
        return await read_snapshot(self.runtime.sessions, self.tenant_id)

    async def change(self, held: Snapshot, change: Change) -> Snapshot:
        """Make a change, apply its events to the held snapshot and compare with a fresh one."""
        work = self.runtime.work(self.actor)
        try:
            tenant = await work.session.get(Tenant, self.tenant_id)
            assert tenant is not None
            # about snapshots, not classification: wrap-ups here need no contact reason
            tenant.settings = {**tenant.settings, "wrap_up_reason_required": False}
            await change(work, tenant)
            await work.commit()
        finally:
            await work.session.close()
        return await self.catch_up(held)

    async def catch_up(self, held: Snapshot) -> Snapshot:
        """Apply the events after the held snapshot and compare with a fresh one."""
        events = await self.runtime.hub.load(self.tenant_id, held.last_event_id)
        assert events, "the change emitted no event"
        self.kinds |= {e.kind for e in events}
        applied = apply_all(held, events)
        fresh = await read_snapshot(self.runtime.sessions, self.tenant_id)
        assert applied.last_event_id == fresh.last_event_id == events[-1].seq
        assert applied.data_json() == fresh.data_json()
        assert applied == fresh
        return applied


async def _interaction(work: Work, interaction_id: str) -> Interaction:
    row = await work.session.get(Interaction, uuid.UUID(interaction_id))
    assert row is not None
    return row


def _step(interaction_id: str, name: str, queue: str | None = None) -> Change:
    async def change(work: Work, tenant: Tenant) -> None:
        row = await _interaction(work, interaction_id)
        await interactions.do_step(work, tenant, row, name, queue=queue)

    return change


def _case_status(case_id: str, status: CaseStatus) -> Change:
    async def change(work: Work, tenant: Tenant) -> None:
        case = await cases.get_case_or_raise(work, tenant, uuid.UUID(case_id))
        await cases.set_status(work, tenant, case, status)

    return change


async def test_snapshot_plus_events_is_a_fresh_snapshot(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    scene = Scene(runtime, world.tenant.id, world.users["agent"].id)
    held = await scene.start()

    async def inbound(external_id: str, email: str = "ada@example.com") -> dict[str, str]:
        body = {
            "channel": "webform",
            "external_id": external_id,
            "sender": {"name": "Ada", "identities": [{"kind": "email", "value": email}]},
            "body": "hello",
        }
        response = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
        assert response.status_code == 200, response.text
        landed: dict[str, str] = response.json()
        return landed

    # inbound messages: case.opened, interaction.created, message.created (+ customer events)
    first = await inbound("m1")
    held = await scene.catch_up(held)
    await inbound("m2")
    held = await scene.catch_up(held)
    other = await inbound("b1", email="bob@example.com")
    held = await scene.catch_up(held)
    assert len(held.interactions) == len(held.cases) == 2

    iid, cid = first["interaction_id"], first["case_id"]
    held = await scene.change(held, _step(iid, "queued", queue="cards"))
    for name in ("offered", "answered", "held", "resumed"):
        held = await scene.change(held, _step(iid, name))
    answered = held.interactions[uuid.UUID(iid)]
    assert (answered.agent_id, answered.queue) == (world.users["agent"].id, "cards")
    held = await scene.change(held, _step(iid, "transferred", queue="loans"))
    moved = held.interactions[uuid.UUID(iid)]
    assert (moved.agent_id, moved.queue, moved.status) == (None, "loans", "queued")
    held = await scene.change(held, _step(iid, "answered"))

    async def priority(work: Work, tenant: Tenant) -> None:
        case = await cases.get_case_or_raise(work, tenant, uuid.UUID(cid))
        await cases.update_case(work, tenant, case, priority=Priority.HIGH)

    held = await scene.change(held, priority)

    async def second_case_and_move(work: Work, tenant: Tenant) -> None:
        row = await _interaction(work, iid)
        customer = await work.session.get(Customer, row.customer_id)
        assert customer is not None
        case = await cases.open_case(work, tenant, customer, channel="phone")
        await work.session.flush()
        interactions.move_to_case(work, tenant, row, case)

    held = await scene.change(held, second_case_and_move)
    assert len(held.cases) == 3
    for status in (CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED):
        held = await scene.change(held, _case_status(cid, status))
    assert uuid.UUID(cid) not in held.cases

    held = await scene.change(held, _step(other["interaction_id"], "ended"))
    assert uuid.UUID(other["interaction_id"]) not in held.interactions
    held = await scene.change(held, _step(other["interaction_id"], "wrapped_up"))
    held = await scene.change(held, _step(iid, "ended"))
    held = await scene.change(held, _case_status(other["case_id"], CaseStatus.CLOSED))
    assert held.interactions == {}
    held = await scene.change(held, _case_status(other["case_id"], CaseStatus.OPEN))  # reopened
    assert other["case_id"] in {str(c) for c in held.cases}

    steps = {f"interaction.{name}" for name in interactions.STEPS}
    kinds = {"case.opened", "case.status_changed", "case.updated", "interaction.created"}
    kinds |= {"interaction.moved", "message.created"}
    assert kinds | steps <= scene.kinds


def _event(seq: int, kind: str, **data: object) -> EventView:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    return EventView(uuid.uuid4(), seq, kind, at, uuid.uuid4(), uuid.uuid4(), None, None, data)


def test_events_already_applied_change_nothing() -> None:
    held = Snapshot(5)
    assert apply(held, _event(5, "case.opened", number=1, priority="normal")) is held
    assert apply(held, _event(6, "customer.created")) == Snapshot(6)


def test_a_reopened_case_without_its_identity_asks_for_a_fresh_snapshot() -> None:
    with pytest.raises(StaleSnapshot, match="fresh snapshot"):
        apply(Snapshot(1), _event(2, "case.status_changed", **{"from": "closed", "to": "open"}))


def test_wire_form_is_plain_json() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    case_id, customer_id = uuid.uuid4(), uuid.uuid4()
    case = CaseView(case_id, 7, "new", "high", customer_id, at)
    interaction = InteractionView(
        uuid.uuid4(), "webform", "inbound", "queued", case_id, customer_id, None, "cards", at
    )
    data = Snapshot(3, {interaction.id: interaction}, {case_id: case}).data_json()
    assert data["cases"] == [
        {
            "id": str(case_id),
            "number": 7,
            "status": "new",
            "priority": "high",
            "customer_id": str(customer_id),
            "created_at": "2025-01-01T00:00:00+00:00",
        }
    ]
    assert data["interactions"][0]["queue"] == "cards"
    assert data["interactions"][0]["queued_at"] is None
