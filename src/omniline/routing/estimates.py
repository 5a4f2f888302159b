"""How long a contact will wait: the one estimate the position endpoint, the web chat and
the help portal show.

It counts only what competes for the same places: contacts of the same channel waiting
ahead in the queue, and agents whose routing profile takes the queue and has capacity for
the channel. Routing offers a waiting contact to an available agent with room whatever the
hours (closed hours decide only what admission does with a new contact), so:

- an available agent with room for one more of the channel: no wait beyond the delay their
  profile puts on the queue;
- otherwise the contacts ahead are served at the pace of the last 30 minutes (three answers
  or more), else at the mean handling time over the available agents' places;
- nobody available and the queue closed (its calendar, else the tenant's): the wait starts
  when it opens.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.models import AgentState, Queue, RoutingProfile, Tenant
from omniline.routing import calendar, engine
from omniline.routing import repository as repo
from omniline.routing.passes import queue_calendar, to_agent
from omniline.tenants.service import zone

ANSWER_WINDOW = timedelta(minutes=30)
DEFAULT_HANDLE_SECONDS = 300.0


@dataclass(frozen=True)
class WaitEstimate:
    """Seconds a contact of a channel may wait in a queue, and what the number stands on."""

    seconds: int
    basis: (
        str  # free_agent_now, answer_rate_30m, handle_time, no_agent_available (+ _after_opening)
    )
    open_now: bool
    ahead: int  # contacts of the channel served first
    free_now: int  # places for the channel free with available agents now


def _takes(profile: RoutingProfile, queue: Queue, channel: str) -> bool:
    in_queue = any(str(m.get("queue_id")) == str(queue.id) for m in profile.queues)
    return in_queue and profile.capacity.get(channel, 0) > 0


async def estimate_wait(
    work: Work,
    tenant: Tenant,
    queue: Queue,
    channel: str,
    *,
    ahead: int,
    now: datetime | None = None,
) -> WaitEstimate:
    """The wait of a contact of `channel` in `queue` with `ahead` contacts of it before it."""
    now = now or utcnow()
    session = work.session
    profiles = {
        p.id: p for p in await repo.profiles(session, tenant.id) if _takes(p, queue, channel)
    }
    available = [
        a
        for a in await repo.agents(session, tenant.id)
        if a.profile_id in profiles and a.state == AgentState.AVAILABLE
    ]
    loads = await repo.loads(session, tenant.id, [a.user_id for a in available])
    pool = [to_agent(a, profiles[a.profile_id], loads.get(a.user_id, {})) for a in available]  # type: ignore[index]
    free = sum(engine.room(agent, channel) for agent in pool)
    is_open = calendar.is_open(queue_calendar(tenant, queue), zone(tenant), now)
    if free > ahead:  # taken as soon as the queue's delay on those agents' profiles allows
        delay = min(a.queues[str(queue.id)].delay for a in pool if engine.room(a, channel))
        return WaitEstimate(round(delay), "free_agent_now", is_open, ahead, free)
    places = sum(agent.capacity.get(channel, 0) for agent in pool)
    seconds, basis = await _pace(work, tenant, queue, channel, ahead + 1 - free, places, now)
    if not pool and not is_open:  # nobody will take it before the queue opens
        opens = calendar.next_change(queue_calendar(tenant, queue), zone(tenant), now)
        seconds += (opens - now).total_seconds() if opens else 0
        basis += "_after_opening"
    return WaitEstimate(round(seconds), basis, is_open, ahead, free)


async def _pace(
    work: Work, tenant: Tenant, queue: Queue, channel: str, remaining: int, places: int,
    now: datetime,
) -> tuple[float, str]:  # fmt: skip
    """Seconds until `remaining` contacts of the channel are answered."""
    answered, handle = await repo.answer_stats(
        work.session, tenant.id, queue.id, now - ANSWER_WINDOW, channel
    )
    if answered >= 3:
        return remaining * ANSWER_WINDOW.total_seconds() / answered, "answer_rate_30m"
    per_contact = handle or DEFAULT_HANDLE_SECONDS
    if places:
        return remaining * per_contact / places, "handle_time"
    return remaining * per_contact, "no_agent_available"
