"""The routing engine: plain data and `now` in, assignments out; no I/O.

A waiting contact asks for a queue's agents, with requirements that relax as it waits
(proficiency >= 4 for the first 30 s, then >= 2, then anyone in the queue). An agent serves
the queues of their routing profile (each with a priority and an optional delay), up to a
capacity per channel, and some channels block others (while on a call, no new chat). Waiting
contacts are served by priority, then first come first served; among the eligible agents the
queue's policy picks one, after the contact's preferred agent if that one is eligible.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Policy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    LEAST_OCCUPIED = "least_occupied"
    MOST_PROFICIENT = "most_proficient"


@dataclass(frozen=True, slots=True)
class Step:
    """From `after` seconds of waiting on, the contact needs `skill` at `min_level` or more
    (no skill: anyone who serves the queue)."""

    after: float = 0.0
    skill: str | None = None
    min_level: int = 1


@dataclass(frozen=True, slots=True)
class Membership:
    """A queue on an agent's routing profile."""

    priority: int = 1  # lower is served first when an agent could take several contacts
    delay: float = 0.0  # seconds a contact waits before this agent is considered


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    available: bool
    idle_since: datetime
    queues: Mapping[str, Membership]
    capacity: Mapping[str, int]  # channel -> how many at once
    load: Mapping[str, int] = field(default_factory=dict)  # channel -> handling now
    skills: Mapping[str, int] = field(default_factory=dict)  # skill -> proficiency 1..5
    # channel -> channels that may not be offered while one of it is being handled
    blocks: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def occupancy(self) -> float:
        """Share of the agent's total capacity in use."""
        total = sum(self.capacity.values())
        return sum(self.load.values()) / total if total else 1.0


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    queue: str
    channel: str
    enqueued_at: datetime
    priority: int = 0  # higher is served first
    steps: Sequence[Step] = (Step(),)
    preferred_agent: str | None = None
    preferred_until: datetime | None = None
    excluded: frozenset[str] = frozenset()  # agents not to offer it to (they just declined)


@dataclass(frozen=True, slots=True)
class Assignment:
    contact_id: str
    agent_id: str


def requirement(contact: Contact, now: datetime) -> Step:
    """The step in force: the last one whose time has come."""
    waited = (now - contact.enqueued_at).total_seconds()
    current = Step()
    for step in sorted(contact.steps, key=lambda s: s.after):
        if step.after <= waited:
            current = step
    return current


def room(agent: Agent, channel: str) -> int:
    """How many more contacts of a channel the agent can take now, whatever their queues
    (none while they handle a channel that blocks it)."""
    if any(
        agent.load.get(busy, 0) and channel in blocked for busy, blocked in agent.blocks.items()
    ):
        return 0
    return max(agent.capacity.get(channel, 0) - agent.load.get(channel, 0), 0)


def eligible(agent: Agent, contact: Contact, now: datetime) -> bool:
    """Whether the agent may be offered the contact now."""
    membership = agent.queues.get(contact.queue)
    if not agent.available or membership is None or agent.id in contact.excluded:
        return False
    if (now - contact.enqueued_at).total_seconds() < membership.delay:
        return False
    if room(agent, contact.channel) <= 0:
        return False
    step = requirement(contact, now)
    return step.skill is None or agent.skills.get(step.skill, 0) >= step.min_level


def choose(
    candidates: Iterable[Agent], contact: Contact, policy: Policy, now: datetime
) -> Agent | None:
    """The agent to offer the contact to, among those eligible."""
    pool = [a for a in candidates if eligible(a, contact, now)]
    if not pool:
        return None
    if contact.preferred_agent and (
        contact.preferred_until is None or now <= contact.preferred_until
    ):
        for agent in pool:
            if agent.id == contact.preferred_agent:
                return agent
    return min(pool, key=lambda a: _rank(a, contact, policy, now))


def _rank(agent: Agent, contact: Contact, policy: Policy, now: datetime) -> tuple[object, ...]:
    idle = -(now - agent.idle_since).total_seconds()  # longer idle sorts first
    # `==`, not `is`: a policy read back as its plain string value must still count
    if policy == Policy.LEAST_OCCUPIED:
        return (agent.occupancy(), idle, agent.id)
    if policy == Policy.MOST_PROFICIENT:
        skill = requirement(contact, now).skill
        level = agent.skills.get(skill, 0) if skill else 0
        return (-level, idle, agent.id)
    return (idle, agent.id)


def waiting_order(contacts: Iterable[Contact]) -> list[Contact]:
    """The order contacts are served in: higher priority first, then first come first served."""
    return sorted(contacts, key=lambda c: (-c.priority, c.enqueued_at, c.id))


def route(
    contacts: Iterable[Contact],
    agents: Iterable[Agent],
    policies: Mapping[str, Policy],
    now: datetime,
) -> list[Assignment]:
    """Assign waiting contacts to agents; each assignment takes a unit of the agent's capacity.

    An agent whose routing profile puts another waiting contact's queue first (a lower
    membership priority) keeps the capacity for that contact. Passes repeat until nothing
    more can be assigned, so capacity left after a reserved contact took its share is used.
    """
    pool = {a.id: a for a in agents}
    waiting = waiting_order(contacts)
    made: list[Assignment] = []
    while True:
        taken = {m.contact_id for m in made}
        round_made = _one_pass([c for c in waiting if c.id not in taken], pool, policies, now)
        if not round_made:
            return made
        made.extend(round_made)


def _one_pass(
    waiting: list[Contact], pool: dict[str, Agent], policies: Mapping[str, Policy], now: datetime
) -> list[Assignment]:
    made: list[Assignment] = []
    open_ids = {c.id for c in waiting}
    for contact in waiting:
        others = [c for c in waiting if c.id in open_ids and c.id != contact.id]
        free = [a for a in pool.values() if not _kept_for_better(a, contact, others, now)]
        agent = choose(free, contact, policies.get(contact.queue, Policy.LONGEST_IDLE), now)
        if agent is None:
            continue
        load = dict(agent.load)
        load[contact.channel] = load.get(contact.channel, 0) + 1
        pool[agent.id] = replace(agent, load=load, idle_since=now)
        open_ids.discard(contact.id)
        made.append(Assignment(contact.id, agent.id))
    return made


def _kept_for_better(agent: Agent, contact: Contact, others: list[Contact], now: datetime) -> bool:
    """Whether the agent should wait for a contact of a queue their profile serves first."""
    own = agent.queues.get(contact.queue)
    if own is None:
        return False
    for other in others:
        better = agent.queues.get(other.queue)
        if better is not None and better.priority < own.priority and eligible(agent, other, now):
            return True
    return False
