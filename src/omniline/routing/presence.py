"""Desk presence: an agent is given work only while a desk of theirs is connected.

A desk is an agent's WebSocket opened with `?desk=1` (`realtime/endpoints.py`). It is a row
in `desks`, so every server process sees every desk; its socket refreshes `seen_at` every
`BEAT_SECONDS`. An agent is *live* while a desk of theirs was seen within the tenant's desk
timeout (setting `desk_timeout_seconds`, default 60 s); routing offers work to live agents
only.

An agent leaves through one mechanism, `leave`, on three triggers:
- their last desk closes (the socket ends): `close_desk`;
- their desks fall silent for longer than the timeout (the server process died, the network
  went): a routing pass finds it, timed by `routing.tick` (`expire_desks`); an agent made
  available with no desk at all is found the same way;
- they, or a supervisor, set them offline (`routing.service.change_state`).
Leaving makes an available agent `away` (offline stays offline) and sends back to their
queues, at their old place (enqueue time and priority kept), the contacts offered to them
and those given to them automatically that no desk ever opened (`release`). A contact is
*opened* when its agent accepts it, a desk shows it (`open_contact`), or a supervisor takes
it over.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict
from omniline.models import Agent, AgentState, Interaction, InteractionStatus, Tenant
from omniline.routing import repository as repo
from omniline.routing.steps import (
    DECLINE_COOLDOWN,
    emit_step,
    requeue,
    set_agent_state,
    transition,
)

S = InteractionStatus
DEFAULT_TIMEOUT_SECONDS = 60
BEAT_SECONDS = 20.0  # a desk's socket refreshes its row this often; the timeout must exceed it
DESK_EVENT = "agent.desk_changed"


def desk_timeout(tenant: Tenant) -> timedelta:
    """How long a desk may stay silent before its agent is taken for gone."""
    value = tenant.settings.get("desk_timeout_seconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    return timedelta(seconds=DEFAULT_TIMEOUT_SECONDS)


async def open_desk(work: Work, tenant: Tenant, user_id: uuid.UUID) -> uuid.UUID:
    """A desk connects. An agent who went away less than the timeout ago (a page reload, a
    short network cut) is available again; anyone else chooses their state on the desk."""
    now = utcnow()
    await repo.lock_head(work.session, tenant.id)
    desk = await repo.add_desk(work.session, tenant.id, user_id, now)
    agent = await repo.get_agent(work.session, tenant.id, user_id)
    if (
        agent is not None
        and agent.state == AgentState.AWAY
        and now - agent.state_since <= desk_timeout(tenant)
    ):
        set_agent_state(work, agent, AgentState.AVAILABLE, None, now)
    work.emit(tenant.id, DESK_EVENT, {"user_id": user_id, "connected": True}, occurred_at=now)
    return desk.id


async def beat(work: Work, tenant: Tenant, user_id: uuid.UUID, desk_id: uuid.UUID) -> uuid.UUID:
    """A connected desk is still there; a desk a pass took for gone (its process stalled
    past the timeout) connects again. Returns the desk's id."""
    if await repo.touch_desk(work.session, tenant.id, desk_id, utcnow()):
        return desk_id
    return await open_desk(work, tenant, user_id)


async def close_desk(work: Work, tenant: Tenant, user_id: uuid.UUID, desk_id: uuid.UUID) -> None:
    """A desk disconnects; if it was the agent's last live desk, the agent leaves."""
    now = utcnow()
    await repo.lock_head(work.session, tenant.id)
    await repo.remove_desks(work.session, tenant.id, [desk_id])
    work.emit(tenant.id, DESK_EVENT, {"user_id": user_id, "connected": False}, occurred_at=now)
    agent = await repo.get_agent(work.session, tenant.id, user_id)
    if agent is not None and not await has_live_desk(work, tenant, user_id, now):
        await leave(work, agent, AgentState.AWAY, "desk_closed", now)


async def has_live_desk(work: Work, tenant: Tenant, user_id: uuid.UUID, now: datetime) -> bool:
    """Whether a desk of the agent was seen within the timeout."""
    since = now - desk_timeout(tenant)
    return any(d.seen_at >= since for d in await repo.desks(work.session, tenant.id, [user_id]))


async def live_desks(work: Work, tenant: Tenant, now: datetime) -> dict[uuid.UUID, int]:
    """agent -> how many of their desks are live."""
    since = now - desk_timeout(tenant)
    counts: dict[uuid.UUID, int] = {}
    for desk in await repo.desks(work.session, tenant.id):
        if desk.seen_at >= since:
            counts[desk.user_id] = counts.get(desk.user_id, 0) + 1
    return counts


@dataclass(frozen=True)
class Presence:
    """Which agents have a live desk, and when the next desk falls silent if not seen."""

    live: frozenset[uuid.UUID]
    next_expiry: datetime | None


async def expire_desks(work: Work, tenant: Tenant, now: datetime) -> Presence:
    """Under the routing lock: forget silent desks, and let agents with no live desk leave
    (available or not responding -> away; their unopened contacts back to their queues)."""
    timeout = desk_timeout(tenant)
    desks = await repo.desks(work.session, tenant.id)
    silent = [d for d in desks if d.seen_at < now - timeout]
    if silent:
        await repo.remove_desks(work.session, tenant.id, [d.id for d in silent])
    live = frozenset(d.user_id for d in desks if d.seen_at >= now - timeout)
    gone = {d.user_id for d in silent}
    for agent in await repo.deskless_agents(work.session, tenant.id, list(live)):
        why = "desk_silent" if agent.user_id in gone else "no_desk"
        await leave(work, agent, AgentState.AWAY, why, now)
    expiries = [d.seen_at + timeout for d in desks if d.seen_at >= now - timeout]
    return Presence(live, min(expiries) if expiries else None)


async def leave(
    work: Work, agent: Agent, state: AgentState, reason: str | None, now: datetime
) -> list[Interaction]:
    """The agent is no longer at a desk (or chose offline): an available or not responding
    agent goes to `state`, and what they were given but never opened goes back."""
    if state == AgentState.OFFLINE or agent.state in (
        AgentState.AVAILABLE,
        AgentState.NOT_RESPONDING,
    ):
        set_agent_state(work, agent, state, reason if state == AgentState.AWAY else None, now)
    why = "agent_offline" if state == AgentState.OFFLINE else f"agent_away_{reason}"
    return await release(work, agent.tenant_id, agent.user_id, now, why=why)


async def release(
    work: Work, tenant_id: uuid.UUID, user_id: uuid.UUID, now: datetime, *, why: str
) -> list[Interaction]:
    """Send an agent's offers and never-opened contacts back to their place in the queue."""
    released = []
    for row in await repo.unopened(work.session, tenant_id, user_id):
        if row.status == S.OFFERED:
            done = await requeue(work, row, now, why=why, declined_by=None)
        else:
            done = await give_back(work, row, now, why=why)
        if done:
            released.append(row)
    return released


async def give_back(
    work: Work, row: Interaction, now: datetime, *, why: str, cool_down: bool = False
) -> bool:
    """A contact in an agent's hands goes back to its queue at its original place (its
    enqueue time and priority are kept); with `cool_down` the agent is not offered it again
    at once."""
    if row.queue_id is None:  # it never waited in a queue: it stays where it is
        return False
    previous, agent_id = row.status, row.agent_id
    declined = list(row.declined_by or [])
    if cool_down and agent_id is not None:
        until = (now + DECLINE_COOLDOWN).isoformat()
        declined = [d for d in declined if d.get("agent_id") != str(agent_id)]
        declined.append({"agent_id": str(agent_id), "until": until})
    changed = await transition(
        work.session,
        row,
        (S.ACTIVE, S.HELD),
        status=S.QUEUED,
        agent_id=None,
        offered_at=None,
        offer_expires_at=None,
        answered_at=None,
        opened_at=None,
        declined_by=declined,
        queued_at=row.queued_at or now,
    )
    if changed:
        data = {"why": why, "agent_id": None, "from_agent_id": agent_id, "answered_at": None}
        emit_step(work, row, "requeued", previous, data, now=now)
    return changed


async def hand_over(work: Work, row: Interaction, to: uuid.UUID, now: datetime) -> bool:
    """A contact in progress changes hands (a supervisor takes it over); it counts as
    opened, since the one who takes it has it before them."""
    previous, from_agent = row.status, row.agent_id
    changed = await transition(work.session, row, (S.ACTIVE, S.HELD), agent_id=to, opened_at=now)
    if changed:
        data = {"agent_id": to, "from_agent_id": from_agent}
        emit_step(work, row, "taken_over", previous, data, now=now)
    return changed


async def open_contact(work: Work, tenant: Tenant, row: Interaction) -> Interaction:
    """The agent who holds a contact has it before them (their desk shows it)."""
    if row.agent_id != work.actor.user_id or row.status not in (S.ACTIVE, S.HELD, S.ENDED):
        raise Conflict("only the agent handling this contact can open it")
    if row.opened_at is None:
        row.opened_at = utcnow()
    return row
