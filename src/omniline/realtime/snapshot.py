"""The open work of a tenant at a known event id, and how each event changes it.

`read_snapshot` reads it from the database; `apply` is pure: a client holding a snapshot at
event N and applying events N+1..M holds what `read_snapshot` would answer at M.
"""

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.interactions.service import STEPS
from omniline.models import (
    OPEN_CASE_STATUSES,
    OPEN_INTERACTION_STATUSES,
    Agent,
    Case,
    Interaction,
)
from omniline.realtime import repository
from omniline.realtime.bus import EventView

_OPEN_INTERACTION = frozenset(str(s) for s in OPEN_INTERACTION_STATUSES)
_OPEN_CASE = frozenset(str(s) for s in OPEN_CASE_STATUSES)


class StaleSnapshot(Exception):
    """An event refers to something the snapshot cannot know: fetch a fresh snapshot."""


@dataclass(frozen=True, slots=True)
class InteractionView:
    """An open interaction as the desktop and wallboard show it."""

    id: uuid.UUID
    channel: str
    direction: str
    status: str
    case_id: uuid.UUID
    customer_id: uuid.UUID
    agent_id: uuid.UUID | None
    queue: str | None
    created_at: datetime
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    held_at: datetime | None = None
    transferred_at: datetime | None = None
    last_message_at: datetime | None = None

    @classmethod
    def of(cls, row: Interaction) -> "InteractionView":
        """The view of a stored interaction."""
        return cls(
            row.id,
            row.channel,
            str(row.direction),
            str(row.status),
            row.case_id,
            row.customer_id,
            row.agent_id,
            row.queue,
            row.created_at,
            row.queued_at,
            row.offered_at,
            row.answered_at,
            row.held_at,
            row.transferred_at,
            row.last_message_at,
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {f.name: _wire(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class CaseView:
    """An open case as the desktop and wallboard show it."""

    id: uuid.UUID
    number: int
    status: str
    priority: str
    customer_id: uuid.UUID
    created_at: datetime

    @classmethod
    def of(cls, row: Case) -> "CaseView":
        """The view of a stored case."""
        return cls(
            row.id, row.number, str(row.status), str(row.priority), row.customer_id, row.created_at
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {f.name: _wire(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent who is not offline: the state they chose, since when (what they handle is
    in the interactions)."""

    user_id: uuid.UUID
    state: str
    reason: str | None
    since: datetime

    @classmethod
    def of(cls, row: Agent) -> "AgentView":
        """The view of a stored agent."""
        return cls(row.user_id, str(row.state), row.reason, row.state_since)

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {f.name: _wire(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class Snapshot:
    """A tenant's open interactions and cases, and its agents at work, as of one event id."""

    last_event_id: int
    interactions: dict[uuid.UUID, InteractionView] = field(default_factory=dict)
    cases: dict[uuid.UUID, CaseView] = field(default_factory=dict)
    agents: dict[uuid.UUID, AgentView] = field(default_factory=dict)

    def data_json(self) -> dict[str, Any]:
        """The wire form of the content (ordered by id)."""
        return {
            "interactions": [self.interactions[k].to_json() for k in sorted(self.interactions)],
            "cases": [self.cases[k].to_json() for k in sorted(self.cases)],
            "agents": [self.agents[k].to_json() for k in sorted(self.agents)],
        }


def _wire(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def read_snapshot(
    sessions: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID
) -> Snapshot:
    """The tenant's open work and the event id it reflects, read in one consistent view."""
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            # one MVCC snapshot for all reads: commits are numbered under the journal head
            # lock, so the rows seen are exactly those of events 1..head
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # on SQLite the session holds the only connection inside BEGIN IMMEDIATE: no writer
        # can commit between these reads
        head = await repository.head_seq(session, tenant_id)
        interactions = await repository.open_interactions(session, tenant_id)
        cases = await repository.open_cases(session, tenant_id)
        agents = await repository.agents_at_work(session, tenant_id)
    return Snapshot(
        head,
        {row.id: InteractionView.of(row) for row in interactions},
        {row.id: CaseView.of(row) for row in cases},
        {row.user_id: AgentView.of(row) for row in agents},
    )


def apply(snapshot: Snapshot, event: EventView) -> Snapshot:
    """The snapshot after one event; events at or before its id change nothing."""
    if event.seq <= snapshot.last_event_id:
        return snapshot
    state = Snapshot(
        event.seq, dict(snapshot.interactions), dict(snapshot.cases), dict(snapshot.agents)
    )
    handler = _HANDLERS.get(event.kind)
    if handler is not None:
        handler(state, event)
    elif event.kind.startswith("interaction.") and event.kind.split(".", 1)[1] in STEPS:
        _interaction_step(state, event)
    return state


def apply_all(snapshot: Snapshot, events: list[EventView]) -> Snapshot:
    """The snapshot after events in order."""
    for event in events:
        snapshot = apply(snapshot, event)
    return snapshot


def _interaction_created(state: Snapshot, event: EventView) -> None:
    if event.interaction_id is None or event.case_id is None or event.customer_id is None:
        raise StaleSnapshot(f"event {event.seq} ({event.kind}) lacks its ids")
    state.interactions[event.interaction_id] = InteractionView(
        id=event.interaction_id,
        channel=str(event.data["channel"]),
        direction=str(event.data["direction"]),
        status="created",
        case_id=event.case_id,
        customer_id=event.customer_id,
        agent_id=None,
        queue=None,
        created_at=event.occurred_at,
    )


def _message_created(state: Snapshot, event: EventView) -> None:
    _change_interaction(state, event, last_message_at=event.occurred_at)


def _interaction_moved(state: Snapshot, event: EventView) -> None:
    _change_interaction(state, event, case_id=uuid.UUID(str(event.data["to_case_id"])))


def _interaction_step(state: Snapshot, event: EventView) -> None:
    name = event.kind.split(".", 1)[1]
    _, target, stamp = STEPS[name]
    status = str(event.data.get("to", target))
    if event.interaction_id is None:
        return
    if status not in _OPEN_INTERACTION:
        state.interactions.pop(event.interaction_id, None)
        return
    changes: dict[str, Any] = {"status": status}
    if stamp:
        changes[stamp] = event.occurred_at
    # the step's data names the agent (answered) and the queue (queued, transferred)
    if "agent_id" in event.data:
        agent = event.data["agent_id"]
        changes["agent_id"] = uuid.UUID(str(agent)) if agent else None
    if name == "transferred":
        changes["agent_id"] = None  # back in a queue, for the next agent
    if "queue" in event.data:
        changes["queue"] = event.data["queue"]
    if "queued_at" in event.data:  # a transfer to a queue starts a new wait there
        changes["queued_at"] = datetime.fromisoformat(str(event.data["queued_at"]))
    _change_interaction(state, event, **changes)


def _change_interaction(state: Snapshot, event: EventView, **changes: Any) -> None:
    current = state.interactions.get(event.interaction_id) if event.interaction_id else None
    if current is not None:
        state.interactions[current.id] = dataclasses.replace(current, **changes)


def _case_opened(state: Snapshot, event: EventView) -> None:
    if event.case_id is None or event.customer_id is None:
        raise StaleSnapshot(f"event {event.seq} ({event.kind}) lacks its ids")
    state.cases[event.case_id] = CaseView(
        id=event.case_id,
        number=int(event.data["number"]),
        status="new",
        priority=str(event.data["priority"]),
        customer_id=event.customer_id,
        created_at=event.occurred_at,
    )


def _case_status_changed(state: Snapshot, event: EventView) -> None:
    if event.case_id is None:
        return
    status = str(event.data["to"])
    current = state.cases.get(event.case_id)
    if status not in _OPEN_CASE:
        state.cases.pop(event.case_id, None)
    elif current is not None:
        state.cases[event.case_id] = dataclasses.replace(current, status=status)
    elif event.customer_id is not None and "number" in event.data:  # a reopened case
        state.cases[event.case_id] = CaseView(
            id=event.case_id,
            number=int(event.data["number"]),
            status=status,
            priority=str(event.data["priority"]),
            customer_id=event.customer_id,
            created_at=datetime.fromisoformat(str(event.data["created_at"])),
        )
    else:
        raise StaleSnapshot(f"case {event.case_id} reopened: fetch a fresh snapshot")


def _case_updated(state: Snapshot, event: EventView) -> None:
    current = state.cases.get(event.case_id) if event.case_id else None
    if current is not None and "priority" in event.data:
        state.cases[current.id] = dataclasses.replace(current, priority=str(event.data["priority"]))


def _agent_state_changed(state: Snapshot, event: EventView) -> None:
    user_id = uuid.UUID(str(event.data["user_id"]))
    if event.data["state"] == "offline":
        state.agents.pop(user_id, None)
        return
    reason = event.data.get("reason")
    state.agents[user_id] = AgentView(
        user_id, str(event.data["state"]), str(reason) if reason else None, event.occurred_at
    )


def _interaction_requeued(state: Snapshot, event: EventView) -> None:
    changes: dict[str, Any] = {"status": "queued", "agent_id": None, "offered_at": None}
    if "queue" in event.data:
        changes["queue"] = event.data["queue"]
    if "queued_at" in event.data:
        changes["queued_at"] = datetime.fromisoformat(str(event.data["queued_at"]))
    if "answered_at" in event.data:  # given back from an agent's hands: not answered after all
        changes["answered_at"] = None
    _change_interaction(state, event, **changes)


def _interaction_taken_over(state: Snapshot, event: EventView) -> None:
    _change_interaction(state, event, agent_id=uuid.UUID(str(event.data["agent_id"])))


_HANDLERS: dict[str, Callable[[Snapshot, EventView], None]] = {
    "agent.state_changed": _agent_state_changed,
    "interaction.requeued": _interaction_requeued,
    "interaction.taken_over": _interaction_taken_over,
    "interaction.created": _interaction_created,
    "interaction.moved": _interaction_moved,
    "message.created": _message_created,
    "case.opened": _case_opened,
    "case.status_changed": _case_status_changed,
    "case.updated": _case_updated,
}
