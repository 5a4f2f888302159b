"""Routing for people: set up queues, profiles and agents; accept, decline, transfer, move.

Everything that could give an agent more work than their capacity, or one contact to two
agents, runs under the tenant's routing lock (`repository.lock_head`), the same lock a
routing pass holds.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from omniline.channels import catalog
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import (
    Agent,
    AgentState,
    Interaction,
    InteractionStatus,
    Membership,
    Queue,
    RoutingProfile,
    Tenant,
)
from omniline.reasons import service as reasons
from omniline.routing import calendar, engine, presence
from omniline.routing import repository as repo
from omniline.routing.estimates import (
    WaitEstimate,
    estimate_wait,
)
from omniline.routing.passes import (
    REALTIME_CHANNELS,
    is_written,
    queue_calendar,
    to_agent,
)
from omniline.routing.passes import entry_queue as passes_entry_queue
from omniline.routing.steps import DECLINE_COOLDOWN, emit_step, requeue, set_agent_state
from omniline.tenants.service import zone

S = InteractionStatus
DEFAULT_BREAK_REASONS = ("lunch", "break", "training", "meeting", "coaching", "personal")

list_queues = repo.queues
list_profiles = repo.profiles
list_agents = repo.agents
# desks: an agent is given work only while one of theirs is connected (see presence.py)
open_desk = presence.open_desk
beat_desk = presence.beat
close_desk = presence.close_desk
DESK_BEAT_SECONDS = presence.BEAT_SECONDS


def break_reasons(tenant: Tenant) -> tuple[str, ...]:
    """The reason codes a break may give (tenant setting `break_reasons`)."""
    configured = tenant.settings.get("break_reasons")
    return tuple(configured) if isinstance(configured, list) else DEFAULT_BREAK_REASONS


# --- queues and profiles -------------------------------------------------------------------


async def get_queue_or_raise(work: Work, tenant: Tenant, queue_id: uuid.UUID) -> Queue:
    row = await repo.get_queue(work.session, tenant.id, queue_id)
    if row is None:
        raise NotFound("queue not found")
    return row


async def _check_queue_refs(work: Work, tenant: Tenant, fields: dict[str, Any]) -> None:
    for key in ("closed_queue_id", "overflow_queue_id"):
        if fields.get(key) is not None:
            await get_queue_or_raise(work, tenant, fields[key])
    if "calendar" in fields and fields["calendar"] is not None:
        fields["calendar"] = calendar.calendar_doc(calendar.parse_calendar(fields["calendar"]))
    if "policy" in fields:
        engine.Policy(fields["policy"])
    for code in fields.get("reasons") or []:
        await reasons.reason_id_for_code(work, tenant, code)  # a clear 422 for an unknown one
    if fields.get("channels"):
        known = await catalog.tenant_channels(work, tenant)
        for channel in fields["channels"]:
            catalog.check_channel(known, channel)


async def create_queue(work: Work, tenant: Tenant, fields: dict[str, Any]) -> Queue:
    await _check_queue_refs(work, tenant, fields)
    now = utcnow()
    row = Queue(id=new_id(), tenant_id=tenant.id, created_at=now, updated_at=now, **fields)
    work.session.add(row)
    await _readmit(work, tenant, row)
    _config_changed(work, tenant, "queue.created", row.id, fields)
    return row


async def _readmit(work: Work, tenant: Tenant, queue: Queue) -> None:
    """A queue that takes contacts again, or new channels: the unrouted contacts it could
    take go back to admission, which the pass after this change runs."""
    if queue.active and queue.channels:
        # the queue row is written at commit, where a taken name is told apart
        with work.session.no_autoflush:
            await repo.readmit_unrouted(work.session, tenant.id, list(queue.channels))


async def update_queue(work: Work, tenant: Tenant, row: Queue, fields: dict[str, Any]) -> Queue:
    await _check_queue_refs(work, tenant, fields)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    await _readmit(work, tenant, row)
    _config_changed(work, tenant, "queue.updated", row.id, fields)
    return row


async def get_profile_or_raise(work: Work, tenant: Tenant, profile_id: uuid.UUID) -> RoutingProfile:
    row = await repo.get_profile(work.session, tenant.id, profile_id)
    if row is None:
        raise NotFound("routing profile not found")
    return row


async def _check_profile(work: Work, tenant: Tenant, fields: dict[str, Any]) -> None:
    for entry in fields.get("queues", []):
        await get_queue_or_raise(work, tenant, uuid.UUID(str(entry["queue_id"])))


async def create_profile(work: Work, tenant: Tenant, fields: dict[str, Any]) -> RoutingProfile:
    await _check_profile(work, tenant, fields)
    now = utcnow()
    row = RoutingProfile(id=new_id(), tenant_id=tenant.id, created_at=now, updated_at=now, **fields)
    work.session.add(row)
    _config_changed(work, tenant, "routing_profile.created", row.id, fields)
    return row


async def update_profile(
    work: Work, tenant: Tenant, row: RoutingProfile, fields: dict[str, Any]
) -> RoutingProfile:
    await _check_profile(work, tenant, fields)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    _config_changed(work, tenant, "routing_profile.updated", row.id, fields)
    return row


def _config_changed(
    work: Work, tenant: Tenant, kind: str, object_id: uuid.UUID, fields: dict[str, Any]
) -> None:
    work.emit(tenant.id, f"routing.{kind}", {"id": object_id, "fields": sorted(fields)})
    work.audit(tenant.id, f"routing.{kind}", kind.split(".")[0], object_id, fields)


# --- agents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentView:
    """An agent as supervisors see them: the chosen state, and what they hold now."""

    agent: Agent
    load: dict[str, int]
    wrapping_up: int
    desks: int = 0  # desks of theirs connected now

    @property
    def presence(self) -> str:
        """The chosen state, or when available what they do: on_contact, wrap_up, idle."""
        if self.agent.state != AgentState.AVAILABLE:
            return str(self.agent.state)
        held = sum(self.load.values())
        if held > self.wrapping_up:
            return "on_contact"
        return "wrap_up" if self.wrapping_up else "available"


async def agent_views(work: Work, tenant: Tenant) -> list[AgentView]:
    rows = await repo.agents(work.session, tenant.id)
    loads = await repo.loads(work.session, tenant.id)
    wrapping = await repo.wrapping_up(work.session, tenant.id)
    desks = await presence.live_desks(work, tenant, utcnow())
    return [
        AgentView(a, loads.get(a.user_id, {}), wrapping.get(a.user_id, 0), desks.get(a.user_id, 0))
        for a in rows
    ]


async def agent_view(work: Work, tenant: Tenant, agent: Agent) -> AgentView:
    loads = await repo.loads(work.session, tenant.id, [agent.user_id])
    wrapping = await repo.wrapping_up(work.session, tenant.id, [agent.user_id])
    desks = await presence.live_desks(work, tenant, utcnow())
    return AgentView(
        agent,
        loads.get(agent.user_id, {}),
        wrapping.get(agent.user_id, 0),
        desks.get(agent.user_id, 0),
    )


async def get_or_make_agent(work: Work, tenant: Tenant, user_id: uuid.UUID) -> Agent:
    """The user's routing state in the tenant, made (offline) on first use; members only."""
    row = await peek_agent(work, tenant, user_id)
    if row not in work.session:
        work.session.add(row)
        await work.session.flush()
    return row


async def peek_agent(work: Work, tenant: Tenant, user_id: uuid.UUID) -> Agent:
    """The user's routing state, or (not stored) the offline state of a member never routed."""
    row = await repo.get_agent(work.session, tenant.id, user_id)
    if row is not None:
        return row
    member = await work.session.scalar(
        select(Membership.id).where(
            Membership.tenant_id == tenant.id, Membership.user_id == user_id
        )
    )
    if member is None:
        raise NotFound("no such member of staff in this tenant")
    now = utcnow()
    return Agent(
        id=new_id(),
        tenant_id=tenant.id,
        user_id=user_id,
        skills={},
        state=AgentState.OFFLINE,
        state_since=now,
        idle_since=now,
        created_at=now,
    )


async def update_agent(
    work: Work,
    tenant: Tenant,
    agent: Agent,
    *,
    profile_id: uuid.UUID | None,
    skills: dict[str, int] | None,
    clear_profile: bool,
) -> Agent:
    """Give an agent a routing profile and skills (proficiency 1..5)."""
    changes: dict[str, Any] = {}
    if profile_id is not None:
        await get_profile_or_raise(work, tenant, profile_id)
        agent.profile_id = profile_id
        changes["profile_id"] = profile_id
    elif clear_profile:
        agent.profile_id = None
        changes["profile_id"] = None
    if skills is not None:
        agent.skills = dict(skills)
        changes["skills"] = skills
    work.emit(tenant.id, "agent.updated", {"user_id": agent.user_id, **changes})
    work.audit(tenant.id, "agent.updated", "agent", agent.user_id, changes)
    return agent


async def change_state(
    work: Work, tenant: Tenant, agent: Agent, state: AgentState, reason: str | None
) -> Agent:
    """Set an agent's state; a break names one of the tenant's reason codes."""
    if state == AgentState.BREAK:
        allowed = break_reasons(tenant)
        if reason not in allowed:
            raise InvalidInput(f"a break needs a reason, one of: {', '.join(allowed)}")
    elif state == AgentState.NOT_RESPONDING:
        raise InvalidInput("not_responding is set by routing when an offer is missed")
    elif state == AgentState.AWAY:
        raise InvalidInput("away is set by routing when an agent's last desk closes")
    elif reason is not None:
        raise InvalidInput("only a break takes a reason")
    if state == AgentState.AVAILABLE and agent.profile_id is None:
        raise InvalidInput("the agent has no routing profile yet: a supervisor assigns one")
    await repo.lock_head(work.session, tenant.id)
    if state == AgentState.OFFLINE:  # what they were given and never opened goes back
        await presence.leave(work, agent, state, None, utcnow())
    else:
        set_agent_state(work, agent, state, reason, utcnow())
    if work.actor.user_id != agent.user_id:
        work.audit(
            tenant.id, "agent.state_set", "agent", agent.user_id, {"state": state, "reason": reason}
        )
    return agent


# --- offers, transfers and moves -----------------------------------------------------------


async def _locked_interaction(work: Work, tenant: Tenant, interaction_id: uuid.UUID) -> Interaction:
    await repo.lock_head(work.session, tenant.id)
    row = await work.session.get(Interaction, interaction_id, populate_existing=True)
    if row is None or row.tenant_id != tenant.id:
        raise NotFound("interaction not found")
    return row


async def accept(work: Work, tenant: Tenant, interaction_id: uuid.UUID) -> Interaction:
    """The offered agent takes the contact."""
    row = await _locked_interaction(work, tenant, interaction_id)
    user_id = work.actor.user_id
    if row.status != S.OFFERED or row.agent_id != user_id:
        raise Conflict("this contact is not offered to you (it may have been taken back)")
    now = utcnow()
    if row.offer_expires_at is not None and now > row.offer_expires_at:
        raise Conflict("the offer expired: the contact went back to its queue")
    row.status, row.answered_at, row.offer_expires_at = S.ACTIVE, now, None
    row.opened_at = row.opened_at or now
    emit_step(work, row, "answered", S.OFFERED, {"agent_id": user_id}, now=now)
    return row


async def open_contact(work: Work, tenant: Tenant, interaction_id: uuid.UUID) -> Interaction:
    """The agent handling a contact has it before them."""
    row = await _locked_interaction(work, tenant, interaction_id)
    return await presence.open_contact(work, tenant, row)


async def decline(work: Work, tenant: Tenant, interaction_id: uuid.UUID) -> Interaction:
    """The offered agent passes: the contact goes back to its place in the queue."""
    row = await _locked_interaction(work, tenant, interaction_id)
    if row.status != S.OFFERED or row.agent_id != work.actor.user_id:
        raise Conflict("this contact is not offered to you")
    await requeue(work, row, utcnow(), why="declined", declined_by=work.actor.user_id)
    return row


async def transfer(
    work: Work,
    tenant: Tenant,
    interaction_id: uuid.UUID,
    *,
    queue_id: uuid.UUID | None,
    agent_id: uuid.UUID | None,
    supervising: bool,
) -> Interaction:
    """Hand a contact in progress to a queue (a new place in it) or offer it to an agent."""
    if (queue_id is None) == (agent_id is None):
        raise InvalidInput("name either queue_id or agent_id")
    row = await _locked_interaction(work, tenant, interaction_id)
    if row.status not in (S.ACTIVE, S.HELD):
        raise Conflict(f"only a contact in progress can be transferred; this one is {row.status}")
    if row.agent_id != work.actor.user_id and not supervising:
        raise Forbidden("only the agent handling the contact, or a supervisor, can transfer it")
    now = utcnow()
    previous, from_agent = row.status, row.agent_id
    if queue_id is not None:
        queue = await get_queue_or_raise(work, tenant, queue_id)
        _move_into(row, queue, await _queue_of(work, tenant, row))
        row.status, row.agent_id, row.queued_at = S.QUEUED, None, now
        row.transferred_at, row.transfer_count = now, row.transfer_count + 1
        # the agent who handed it on is not offered it back at once
        until = (now + DECLINE_COOLDOWN).isoformat()
        row.declined_by = [{"agent_id": str(from_agent), "until": until}] if from_agent else []
        row.admitted_at = row.admitted_at or now
        data = {"queue": queue.name, "queue_id": queue.id, "queued_at": now}
        emit_step(
            work, row, "transferred", previous, {"from_agent_id": from_agent, **data}, now=now
        )
    else:
        assert agent_id is not None
        target = await repo.get_agent(work.session, tenant.id, agent_id)
        await _check_can_take(work, tenant, target, row, now)
        assert target is not None
        current = await _queue_of(work, tenant, row)
        row.status, row.agent_id, row.offered_at = S.OFFERED, agent_id, now
        timeout = current.offer_timeout_seconds if current else 20
        row.offer_expires_at = now + timedelta(seconds=timeout)
        row.transferred_at, row.transfer_count = now, row.transfer_count + 1
        row.admitted_at = row.admitted_at or now
        data = {"agent_id": agent_id, "from_agent_id": from_agent, "queue": row.queue,
                "expires_at": row.offer_expires_at, "transfer": True}  # fmt: skip
        emit_step(work, row, "offered", previous, data, now=now)
    audit = {"queue_id": queue_id, "agent_id": agent_id, "from_agent_id": from_agent}
    work.audit(tenant.id, "interaction.transferred", "interaction", row.id, audit)
    return row


def _move_into(row: Interaction, queue: Queue, old: Queue | None = None) -> None:
    """The contact now waits in `queue`, with its priority instead of the old queue's."""
    if row.queue_id != queue.id:
        row.routing_priority += queue.priority - (old.priority if old is not None else 0)
    row.queue_id, row.queue = queue.id, queue.name


async def _queue_of(work: Work, tenant: Tenant, row: Interaction) -> Queue | None:
    if row.queue_id is None:
        return None
    return await repo.get_queue(work.session, tenant.id, row.queue_id)


async def _check_can_take(
    work: Work, tenant: Tenant, target: Agent | None, row: Interaction, now: datetime
) -> None:
    if target is None or target.profile_id is None:
        raise InvalidInput("that person is not set up as an agent (no routing profile)")
    if target.state != AgentState.AVAILABLE:
        raise Conflict(f"the agent is {target.state}; transfer to a queue instead")
    if not await presence.has_live_desk(work, tenant, target.user_id, now):
        raise Conflict("the agent has no desk open; transfer to a queue instead")
    profile = await get_profile_or_raise(work, tenant, target.profile_id)
    loads = await repo.loads(work.session, tenant.id, [target.user_id])
    view = to_agent(target, profile, loads.get(target.user_id, {}))
    probe = engine.Contact(id="probe", queue="direct", channel=row.channel, enqueued_at=now)
    direct = engine.Agent(
        id=view.id,
        available=True,
        idle_since=view.idle_since,
        queues={"direct": engine.Membership()},
        capacity=view.capacity,
        load=view.load,
        blocks=view.blocks,
    )
    if not engine.eligible(direct, probe, now):
        raise Conflict(f"the agent has no free capacity for {row.channel} now")


@dataclass(frozen=True)
class Unrouted:
    """A contact no queue could take, and why."""

    interaction: Interaction
    case_number: int

    @property
    def since(self) -> datetime:
        """When it came in: it has waited for a person since then."""
        return self.interaction.created_at


async def unrouted(work: Work, tenant: Tenant) -> list[Unrouted]:
    """Contacts accepted that no queue can take, oldest first: a supervisor places them."""
    return [Unrouted(row, number) for row, number in await repo.unrouted(work.session, tenant.id)]


async def move_waiting(
    work: Work, tenant: Tenant, interaction_id: uuid.UUID, queue_id: uuid.UUID
) -> Interaction:
    """A supervisor moves a waiting contact to another queue (it keeps its waiting time), or
    places an unrouted one in a queue."""
    row = await _locked_interaction(work, tenant, interaction_id)
    if row.status == S.CREATED and row.unrouted_reason is not None:
        return await _place_unrouted(work, tenant, row, queue_id)
    if row.status != S.QUEUED:
        raise Conflict(f"only a waiting contact can be moved; this one is {row.status}")
    queue = await get_queue_or_raise(work, tenant, queue_id)
    previous = row.queue
    _move_into(row, queue, await _queue_of(work, tenant, row))
    row.admitted_at = row.admitted_at or utcnow()
    row.queued_at = row.queued_at or utcnow()
    data = {"queue": queue.name, "queue_id": queue.id, "from_queue": previous, "agent_id": None}
    emit_step(work, row, "requeued", S.QUEUED, {"why": "moved", **data}, now=utcnow())
    work.audit(tenant.id, "interaction.requeued", "interaction", row.id, data)
    return row


# --- a supervisor steps in ----------------------------------------------------------------


async def take_over(work: Work, tenant: Tenant, user_id: uuid.UUID) -> list[Interaction]:
    """A supervisor takes the contacts an agent handles now (in progress or on hold) into
    their own hands; the agent's offers and never-opened contacts go back to their queue."""
    supervisor = work.actor.user_id
    if supervisor is None:
        raise InvalidInput("only a person can take contacts over; this token is an API token")
    if supervisor == user_id:
        raise InvalidInput("these contacts are yours already")
    await peek_agent(work, tenant, user_id)  # a member of this tenant, or 404
    await repo.lock_head(work.session, tenant.id)
    now = utcnow()
    await presence.release(work, tenant.id, user_id, now, why="taken_over")
    taken = []
    for row in await repo.in_hand(work.session, tenant.id, user_id):
        if await presence.hand_over(work, row, supervisor, now):
            work.audit(
                tenant.id,
                "interaction.taken_over",
                "interaction",
                row.id,
                {"from_agent_id": user_id, "agent_id": supervisor},
            )
            taken.append(row)
    return taken


async def requeue_contacts(work: Work, tenant: Tenant, user_id: uuid.UUID) -> list[Interaction]:
    """A supervisor sends every contact an agent holds (offered, in progress, on hold) back
    to its queue at its original place; the agent is not offered them again at once."""
    await peek_agent(work, tenant, user_id)
    await repo.lock_head(work.session, tenant.id)
    now = utcnow()
    moved = await presence.release(work, tenant.id, user_id, now, why="requeued_by_supervisor")
    for row in await repo.in_hand(work.session, tenant.id, user_id):
        if await presence.give_back(work, row, now, why="requeued_by_supervisor", cool_down=True):
            moved.append(row)
    for row in moved:
        data = {"from_agent_id": user_id, "queue_id": row.queue_id}
        work.audit(tenant.id, "interaction.requeued", "interaction", row.id, data)
    return moved


async def _place_unrouted(
    work: Work, tenant: Tenant, row: Interaction, queue_id: uuid.UUID
) -> Interaction:
    """An unrouted contact waits in the queue from now on, as if admitted there."""
    queue = await get_queue_or_raise(work, tenant, queue_id)
    now = utcnow()
    row.status, row.queued_at, row.unrouted_reason = S.QUEUED, now, None
    _move_into(row, queue)
    if is_written(row.channel) and queue.first_response_seconds:
        row.response_clock = "first"
    data = {"queue": queue.name, "queue_id": queue.id, "priority": row.routing_priority}
    emit_step(work, row, "queued", S.CREATED, data, now=now)
    work.audit(tenant.id, "interaction.placed", "interaction", row.id, data)
    return row


# --- position and estimated wait -----------------------------------------------------------


@dataclass(frozen=True)
class Position:
    queue: str
    position: int  # 1 is next
    waiting: int
    estimated_wait_seconds: int
    basis: str
    open_now: bool


async def position(work: Work, tenant: Tenant, row: Interaction) -> Position:
    """Where a waiting contact stands, and how long it may still wait (`estimate_wait`)."""
    if row.status != S.QUEUED or row.queue_id is None:
        raise Conflict(f"the contact is not waiting in a queue (it is {row.status})")
    queue = await get_queue_or_raise(work, tenant, row.queue_id)
    waiting = [r for r in await repo.waiting(work.session, tenant.id) if r.queue_id == queue.id]
    order = serving_order(waiting)
    place = next(i for i, r in enumerate(order) if r.id == row.id) + 1
    ahead = sum(1 for r in order[: place - 1] if r.channel == row.channel)
    wait = await estimate_wait(work, tenant, queue, row.channel, ahead=ahead)
    return Position(queue.name, place, len(order), wait.seconds, wait.basis, wait.open_now)


async def new_contact_wait(work: Work, tenant: Tenant, queue: Queue, channel: str) -> WaitEstimate:
    """The wait of a contact of a channel that would join a queue now (behind all of it)."""
    waiting = [
        r
        for r in await repo.waiting(work.session, tenant.id)
        if r.queue_id == queue.id and r.channel == channel
    ]
    return await estimate_wait(work, tenant, queue, channel, ahead=len(waiting))


def serving_order(rows: list[Interaction]) -> list[Interaction]:
    """Waiting contacts in the order a queue serves them: priority, then time of arrival."""
    return sorted(rows, key=lambda r: (-r.routing_priority, r.queued_at or r.created_at, str(r.id)))


async def waiting_in(work: Work, tenant: Tenant, queue_id: uuid.UUID) -> list[Interaction]:
    """The contacts waiting in a queue, next first."""
    queue = await get_queue_or_raise(work, tenant, queue_id)
    return serving_order(
        [r for r in await repo.waiting(work.session, tenant.id) if r.queue_id == queue.id]
    )


@dataclass(frozen=True)
class LiveNumbers:
    """What waits, how long the oldest has waited and who could take it; and today (the
    tenant's day) of calls, video and chats: answered, within the target, ended unanswered,
    and the service level (answered within target / answered + abandoned)."""

    waiting: int
    longest_wait_seconds: int
    agents_available: int
    agents_staffed: int
    answered_today: int
    answered_in_target_today: int
    abandoned_today: int

    @property
    def service_level_today(self) -> float | None:
        handled = self.answered_today + self.abandoned_today
        return round(100 * self.answered_in_target_today / handled, 1) if handled else None


def live_numbers(
    now: datetime,
    waiting: list[Interaction],
    serving: list[Agent],
    outcomes: list[tuple[repo.Outcome, int]],
) -> LiveNumbers:
    """The numbers of some waiting contacts, the agents who could take them and today's
    outcomes, each with its service-level target in seconds."""
    oldest = min((r.queued_at for r in waiting if r.queued_at), default=None)
    answered = [
        (o.answered_at - o.queued_at).total_seconds() <= target
        for o, target in outcomes
        if o.answered_at is not None
    ]
    return LiveNumbers(
        waiting=len(waiting),
        longest_wait_seconds=int((now - oldest).total_seconds()) if oldest else 0,
        agents_available=sum(1 for a in serving if a.state == AgentState.AVAILABLE),
        # away: routing took them off, no desk of theirs is open
        agents_staffed=sum(
            1 for a in serving if a.state not in (AgentState.OFFLINE, AgentState.AWAY)
        ),
        answered_today=len(answered),
        answered_in_target_today=sum(answered),
        abandoned_today=len(outcomes) - len(answered),
    )


@dataclass(frozen=True)
class QueueStats:
    """A queue right now."""

    queue: Queue
    offered: int
    numbers: LiveNumbers


@dataclass(frozen=True)
class ChannelStats:
    """One channel across the tenant's queues right now."""

    channel: str
    numbers: LiveNumbers


@dataclass(frozen=True)
class _Floor:
    """What the wallboard's numbers are made of, read once."""

    now: datetime
    queues: dict[uuid.UUID, Queue]
    waiting: list[Interaction]
    profiles: dict[uuid.UUID, RoutingProfile]
    staff: list[tuple[Agent, RoutingProfile]]
    today: dict[uuid.UUID, list[repo.Outcome]]


async def _floor(work: Work, tenant: Tenant) -> _Floor:
    now = utcnow()
    profiles = {p.id: p for p in await repo.profiles(work.session, tenant.id)}
    staff = [
        (a, profiles[a.profile_id])
        for a in await repo.agents(work.session, tenant.id)
        if a.profile_id is not None and a.profile_id in profiles
    ]
    midnight = now.astimezone(zone(tenant)).replace(hour=0, minute=0, second=0, microsecond=0)
    today = await repo.realtime_outcomes(
        work.session, tenant.id, midnight.astimezone(UTC), REALTIME_CHANNELS
    )
    return _Floor(
        now,
        {q.id: q for q in await repo.queues(work.session, tenant.id)},
        await repo.waiting(work.session, tenant.id),
        profiles,
        staff,
        today,
    )


async def queue_stats(work: Work, tenant: Tenant) -> list[QueueStats]:
    """Live numbers of every queue of the tenant (the wallboard's first table)."""
    floor = await _floor(work, tenant)
    offered = await repo.offered_counts(work.session, tenant.id)
    made = []
    for queue in floor.queues.values():
        serving = [a for a, p in floor.staff if takes(p, queue)]
        numbers = live_numbers(
            floor.now,
            [r for r in floor.waiting if r.queue_id == queue.id],
            serving,
            [(o, queue.sl_seconds) for o in floor.today.get(queue.id, [])],
        )
        made.append(QueueStats(queue, offered.get(queue.id, 0), numbers))
    return made


async def channel_stats(work: Work, tenant: Tenant) -> list[ChannelStats]:
    """Live numbers per channel (the wallboard's second table): every channel a queue or a
    routing profile serves, or a contact waits on; each contact counts against its own
    queue's service-level target."""
    floor = await _floor(work, tenant)
    channels = {c for q in floor.queues.values() for c in q.channels}
    channels |= {c for p in floor.profiles.values() for c, n in p.capacity.items() if n > 0}
    channels |= {r.channel for r in floor.waiting}
    made = []
    for channel in sorted(channels):
        outcomes = [
            (o, floor.queues[queue_id].sl_seconds)
            for queue_id, rows in floor.today.items()
            if queue_id in floor.queues
            for o in rows
            if o.channel == channel
        ]
        numbers = live_numbers(
            floor.now,
            [r for r in floor.waiting if r.channel == channel],
            [a for a, p in floor.staff if p.capacity.get(channel, 0) > 0],
            outcomes,
        )
        made.append(ChannelStats(channel, numbers))
    return made


# --- callbacks -----------------------------------------------------------------------------


async def entry_queue(work: Work, tenant: Tenant, channel: str, case_id: uuid.UUID) -> Queue | None:
    """The queue a new contact of a channel in a case waits in, as admission picks it (the
    one serving the case's reason or the nearest parent, else the first of the channel)."""
    queues = await repo.queues(work.session, tenant.id)
    chains = await repo.reason_chains(work.session, tenant.id, [case_id])
    return passes_entry_queue(tenant, queues, channel, chains.get(case_id, ()))


async def queue_for_channel(
    work: Work, tenant: Tenant, channel: str, reasons: Sequence[str] = ()
) -> Queue | None:
    """The queue a new contact of a channel (with these reason codes, nearest first) would
    wait in, before it has a case."""
    queues = await repo.queues(work.session, tenant.id)
    return passes_entry_queue(tenant, queues, channel, reasons)


def opens_at(tenant: Tenant, queue: Queue, at: datetime) -> datetime | None:
    """`at` if the queue is open then, else when it next opens (None: not within 400 days)."""
    cal, tz = queue_calendar(tenant, queue), zone(tenant)
    if calendar.is_open(cal, tz, at):
        return at
    return calendar.next_change(cal, tz, at)


async def serves_queue(work: Work, tenant: Tenant, user_id: uuid.UUID, queue: Queue) -> bool:
    """Whether the person's routing profile takes contacts of the queue."""
    agent = await repo.get_agent(work.session, tenant.id, user_id)
    if agent is None or agent.profile_id is None:
        return False
    profile = await repo.get_profile(work.session, tenant.id, agent.profile_id)
    return profile is not None and takes(profile, queue)


def takes(profile: RoutingProfile, queue: Queue) -> bool:
    """Whether a routing profile takes the queue's contacts."""
    return any(str(m.get("queue_id")) == str(queue.id) for m in profile.queues)


def queue_callback(
    work: Work,
    row: Interaction,
    queue: Queue,
    *,
    preferred_agent_id: uuid.UUID | None,
    hold_until: datetime | None,
    now: datetime,
) -> Interaction:
    """Put a new outbound contact (a due callback) in a queue; routing offers it from there.

    A callback is a promise to a customer who has already contacted us, so it ranks as a
    repeat contact does (the queue's priority plus its repeat boost): ahead of first contacts
    that came in before it was due, behind VIPs and escalations. With a preferred agent it is
    held for them until `hold_until`, then offered to anyone in the queue.
    """
    if row.status != S.CREATED:
        raise Conflict(f"only a new contact can be queued this way; this one is {row.status}")
    row.status, row.queue_id, row.queue = S.QUEUED, queue.id, queue.name
    row.admitted_at = row.queued_at = now
    row.routing_priority = queue.priority + queue.repeat_boost
    row.preferred_agent_id = preferred_agent_id
    row.preferred_until = hold_until if preferred_agent_id is not None else None
    data = {"queue": queue.name, "queue_id": queue.id, "priority": row.routing_priority}
    emit_step(work, row, "queued", S.CREATED, data, now=now)
    return row
