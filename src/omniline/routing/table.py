"""An indexed routing table: the decisions of `engine.route`, without scanning every agent.

`engine.route` looks at every agent for every waiting contact, pass after pass. The table keeps
indexes instead (the waiting contacts of each queue and channel in waiting order; the agents of
each queue free to take each channel) and relies on one fact: when a routing is over, no waiting
contact can be offered to any agent, because the engine repeats its passes until none can. So
at the next routing a contact and an agent can only fit together if one of them changed since:

- a contact that was added, whose requirement changed (a step's time came) or whose wait passed
  the delay of a profile serving its queue; time events in a heap mark those;
- an agent who was added, updated or released a contact.

The table marks those "dirty", finds the pairs that fit among them, and replays the engine's
passes, in waiting order, on the contacts that have a pair. Contacts and agents with no pair
cannot be assigned and cannot hold an agent back, so leaving them out changes nothing.
`tests/routing/test_table.py` checks that the result is always the engine's.

Datetimes must be timezone-aware UTC (or all naive), as everywhere in Omniline.
"""

import bisect
import heapq
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from omniline.routing.engine import (
    Agent,
    Assignment,
    Contact,
    Membership,
    Policy,
    Step,
    waiting_order,
)

Bucket = tuple[str, str]  # (queue, channel)
_ANYONE = Step()


def assigned(agent: Agent, channel: str, now: datetime) -> Agent:
    """The agent after taking a contact of the channel (as `engine.route` does it)."""
    load = dict(agent.load)
    load[channel] = load.get(channel, 0) + 1
    return _with(agent, load, now)


def released(agent: Agent, channel: str, now: datetime) -> Agent:
    """The agent after finishing a contact of the channel.

    The load never goes below zero; an agent left holding nothing is idle from `now` on, so
    "longest idle" counts from the end of their last contact, not from when it was offered.
    """
    load = dict(agent.load)
    load[channel] = max(load.get(channel, 0) - 1, 0)
    return _with(agent, load, now if not any(load.values()) else agent.idle_since)


def _with(agent: Agent, load: dict[str, int], idle_since: datetime) -> Agent:
    """`dataclasses.replace(agent, load=..., idle_since=...)`, in half the time."""
    return Agent(
        agent.id, agent.available, idle_since, agent.queues, agent.capacity, load,
        agent.skills, agent.blocks,
    )  # fmt: skip


def _can_take(agent: Agent, channel: str) -> bool:
    """Capacity left on the channel, and nothing in hand that blocks it (availability aside)."""
    if agent.load.get(channel, 0) >= agent.capacity.get(channel, 0):
        return False
    return not any(
        agent.load.get(busy, 0) and channel in blocked for busy, blocked in agent.blocks.items()
    )


def _channels(agent: Agent) -> set[str]:
    """The channels the agent could ever be free for (any other has no capacity)."""
    return set(agent.capacity) | set(agent.load)


def _crossing(start: datetime, seconds: float) -> datetime | None:
    """The first moment `(t - start).total_seconds() >= seconds` holds, to the microsecond.

    Computed in whole microseconds, as `timedelta.total_seconds` is, so that a time event
    never fires after the comparison in the engine has already flipped.
    """
    if not math.isfinite(seconds):
        return None
    micros = math.ceil(seconds * 1_000_000)
    while micros / 1_000_000 < seconds:
        micros += 1
    while (micros - 1) / 1_000_000 >= seconds:
        micros -= 1
    try:
        return start + timedelta(microseconds=micros)
    except OverflowError:
        return None


@dataclass(slots=True)
class _Waiting:
    """A waiting contact, with its requirement cached for the routing in progress."""

    contact: Contact
    key: tuple[int, datetime, str]  # the engine's waiting order
    steps: list[Step]  # sorted by `after`, as `engine.requirement` sorts them
    call: int = -1  # the routing the cache below belongs to
    waited: float = 0.0
    skill: str | None = None
    level: int = 1

    @property
    def bucket(self) -> Bucket:
        return (self.contact.queue, self.contact.channel)


def _waiting(contact: Contact) -> _Waiting:
    key = (-contact.priority, contact.enqueued_at, contact.id)
    return _Waiting(contact, key, sorted(contact.steps, key=lambda s: s.after))


def _order(w: _Waiting) -> tuple[int, datetime, str]:
    return w.key


@dataclass(slots=True)
class _Call:
    """What one `route(now)` call works on."""

    now: datetime
    dirty_agents: set[str]
    closed: set[str] = field(default_factory=set)  # contacts assigned in this call
    touched: set[str] = field(default_factory=set)  # agents who took a contact in this call
    # dirty contact -> the agents it fits at the start of the call
    pairs: dict[str, list[str]] = field(default_factory=dict)
    # clean agent -> the dirty contacts it fits (a clean agent fits no clean contact)
    reverse: dict[str, list[_Waiting]] = field(default_factory=lambda: defaultdict(list))
    # (dirty agent, bucket) -> index of the first open contact there the agent may fit
    probes: dict[tuple[str, Bucket], int] = field(default_factory=dict)


# a contact in the pass queue: (waiting order, tie-break, contact, stream or None)
_Stream = tuple[str, Bucket, int]  # (dirty agent, bucket, index of the contact in the bucket)
_Entry = tuple[tuple[int, datetime, str], int, _Waiting, _Stream | None]


class RoutingTable:
    """Agents, waiting contacts and queue policies, indexed for routing decisions."""

    def __init__(
        self,
        agents: Iterable[Agent] = (),
        contacts: Iterable[Contact] = (),
        policies: Mapping[str, Policy] | None = None,
    ) -> None:
        self._agents: dict[str, Agent] = {}
        self._contacts: dict[str, _Waiting] = {}
        self._policies: dict[str, Policy] = dict(policies or {})
        self._buckets: dict[Bucket, list[_Waiting]] = defaultdict(list)
        self._queue_channels: dict[str, set[str]] = defaultdict(set)
        self._ready: dict[Bucket, set[str]] = defaultdict(set)  # available, free for it
        self._free: dict[str, set[str]] = {}  # agent -> the channels of their ready sets
        self._delays: dict[str, Counter[float]] = defaultdict(Counter)  # queue -> profiles
        self._events: list[tuple[datetime, int, str, _Waiting]] = []
        self._seq = itertools.count()
        self._dirty_contacts: set[str] = set()
        self._dirty_agents: set[str] = set()
        self._last_now: datetime | None = None
        self._calls = 0
        self._now = datetime.min  # of the routing in progress
        for agent in agents:
            self.upsert_agent(agent)
        for contact in contacts:
            self.add_contact(contact)

    # --- reading -------------------------------------------------------------------------

    @property
    def agents(self) -> list[Agent]:
        """The agents as they are now (loads and idle times after the routings so far)."""
        return list(self._agents.values())

    @property
    def contacts(self) -> list[Contact]:
        """The waiting contacts, in the order they are served."""
        return waiting_order(w.contact for w in self._contacts.values())

    @property
    def policies(self) -> dict[str, Policy]:
        return dict(self._policies)

    def get_agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def get_contact(self, contact_id: str) -> Contact | None:
        w = self._contacts.get(contact_id)
        return w.contact if w else None

    # --- changing ------------------------------------------------------------------------

    def upsert_agent(self, agent: Agent) -> None:
        """Add an agent, or replace the one with the same id."""
        old = self._agents.get(agent.id)
        self._agents[agent.id] = agent
        self._count_delays(agent, +1)  # before taking the old ones off: see _count_delays
        if old is not None:
            self._count_delays(old, -1)
            self._unindex_agent(old)
        self._index_agent(agent)
        self._dirty_agents.add(agent.id)

    def remove_agent(self, agent_id: str) -> Agent | None:
        """Take an agent out of routing; returns it, or None if it was not there."""
        agent = self._agents.pop(agent_id, None)
        if agent is not None:
            self._count_delays(agent, -1)
            self._unindex_agent(agent)
            self._dirty_agents.discard(agent_id)
        return agent

    def add_contact(self, contact: Contact) -> None:
        """Add a waiting contact, or replace the one with the same id."""
        self.remove_contact(contact.id)
        w = _waiting(contact)
        self._contacts[contact.id] = w
        bisect.insort(self._buckets[w.bucket], w, key=_order)
        self._queue_channels[contact.queue].add(contact.channel)
        self._schedule_all(w)
        self._dirty_contacts.add(contact.id)

    def remove_contact(self, contact_id: str) -> Contact | None:
        """Take a contact out of the queue; returns it, or None if it was not waiting."""
        w = self._contacts.pop(contact_id, None)
        if w is None:
            return None
        bucket = self._buckets[w.bucket]
        del bucket[bisect.bisect_left(bucket, w.key, key=_order)]
        if not bucket:
            del self._buckets[w.bucket]
            self._queue_channels[w.contact.queue].discard(w.contact.channel)
        self._dirty_contacts.discard(contact_id)
        return w.contact

    def set_policy(self, queue: str, policy: Policy) -> None:
        """How the queue picks among the agents who fit (no effect on who fits)."""
        self._policies[queue] = policy

    def release(self, agent_id: str, channel: str, now: datetime) -> Agent:
        """The agent finished a contact of the channel (see `released`); returns the agent."""
        agent = released(self._agents[agent_id], channel, now)
        self._replace_agent(agent)
        self._dirty_agents.add(agent_id)
        return agent

    # --- indexes -------------------------------------------------------------------------

    def _index_agent(self, agent: Agent) -> None:
        """Put the agent in the ready sets of the channels they are free for, and only those."""
        free = {ch for ch in _channels(agent) if agent.available and _can_take(agent, ch)}
        was = self._free.get(agent.id, set())
        for channel in free - was:
            for queue in agent.queues:
                self._ready[queue, channel].add(agent.id)
        for channel in was - free:
            for queue in agent.queues:
                self._ready[queue, channel].discard(agent.id)
        self._free[agent.id] = free

    def _unindex_agent(self, agent: Agent) -> None:
        for channel in self._free.pop(agent.id, set()):
            for queue in agent.queues:
                self._ready[queue, channel].discard(agent.id)

    def _replace_agent(self, agent: Agent) -> None:
        """The same agent with another load or idle time (profile and skills unchanged)."""
        self._agents[agent.id] = agent
        self._index_agent(agent)

    def _count_delays(self, agent: Agent, sign: int) -> None:
        """Keep count of the delays of each queue's profiles.

        A delay no profile of the queue had before gets time events for the contacts already
        waiting there. The new agent is counted before the old one is taken off, so an update
        that keeps the same delays does not schedule them all again.
        """
        for queue, membership in agent.queues.items():
            delays = self._delays[queue]
            if sign > 0 and not delays[membership.delay]:
                for ch in self._queue_channels.get(queue, ()):
                    for w in self._buckets[queue, ch]:
                        self._schedule(w, membership.delay)
            delays[membership.delay] += sign
            if delays[membership.delay] <= 0:
                del delays[membership.delay]

    def _schedule_all(self, w: _Waiting) -> None:
        """Time events for each wait at which the contact's requirement or a delay changes."""
        for seconds in {s.after for s in w.contact.steps} | set(self._delays[w.contact.queue]):
            self._schedule(w, seconds)

    def _schedule(self, w: _Waiting, seconds: float) -> None:
        """Mark the contact dirty when it has waited `seconds` (if that is still to come)."""
        at = _crossing(w.contact.enqueued_at, seconds)
        if at is None or (self._last_now is not None and at <= self._last_now):
            return
        heapq.heappush(self._events, (at, next(self._seq), w.contact.id, w))

    def _advance(self, now: datetime) -> None:
        """Mark the contacts whose requirement or profile delays changed by `now`."""
        if self._last_now is not None and now < self._last_now:
            self._rewind()
        self._last_now = now
        while self._events and self._events[0][0] <= now:
            _, _, contact_id, w = heapq.heappop(self._events)
            if self._contacts.get(contact_id) is w:
                self._dirty_contacts.add(contact_id)

    def _rewind(self) -> None:
        """Time went back: what held at the last routing says nothing; check everything."""
        self._last_now = None
        self._events.clear()
        for w in self._contacts.values():
            self._schedule_all(w)
        self._dirty_contacts.update(self._contacts)
        self._dirty_agents.update(self._agents)

    # --- who fits whom -------------------------------------------------------------------

    def _refresh(self, w: _Waiting) -> None:
        """Compute the contact's wait and requirement once per routing (`engine.requirement`)."""
        if w.call == self._calls:
            return
        w.call = self._calls
        w.waited = waited = (self._now - w.contact.enqueued_at).total_seconds()
        current = _ANYONE
        for step in w.steps:
            if step.after <= waited:
                current = step
        w.skill, w.level = current.skill, current.min_level

    def _suits(self, agent: Agent, membership: Membership, w: _Waiting) -> bool:
        """The contact's own conditions: not declined by the agent, delay passed, skill."""
        if agent.id in w.contact.excluded:
            return False
        self._refresh(w)
        if w.waited < membership.delay:
            return False
        return w.skill is None or agent.skills.get(w.skill, 0) >= w.level

    def _fits(self, agent: Agent, w: _Waiting) -> bool:
        """`engine.eligible`, with the contact's requirement cached."""
        membership = agent.queues.get(w.contact.queue)
        if membership is None or not agent.available:
            return False
        return _can_take(agent, w.contact.channel) and self._suits(agent, membership, w)

    def _next(self, call: _Call, agent_id: str, bucket: Bucket, start: int) -> int:
        """Index of the first open contact of the bucket from `start` the agent fits, or -1."""
        agent = self._agents[agent_id]
        membership = agent.queues.get(bucket[0])
        if membership is None or not agent.available or not _can_take(agent, bucket[1]):
            return -1
        waiting = self._buckets.get(bucket, [])
        for i in range(start, len(waiting)):
            w = waiting[i]
            if w.contact.id not in call.closed and self._suits(agent, membership, w):
                return i
        return -1

    def _probe(self, call: _Call, agent_id: str, bucket: Bucket) -> int:
        """`_next` from the start of the bucket, remembered for the call.

        Within a call, contacts only close and agents only fill up, so what did not fit
        before the remembered index never fits again.
        """
        start = call.probes.get((agent_id, bucket), 0)
        found = self._next(call, agent_id, bucket, start)
        call.probes[agent_id, bucket] = found if found >= 0 else len(self._buckets.get(bucket, []))
        return found

    def _buckets_of(self, agent: Agent) -> list[Bucket]:
        return [(q, ch) for q in agent.queues for ch in self._queue_channels.get(q, ())]

    def _kept_for_better(self, call: _Call, agent: Agent, w: _Waiting) -> bool:
        """`engine._kept_for_better`: the agent fits an open contact of a queue they put first."""
        own = agent.queues[w.contact.queue].priority
        if agent.id not in call.dirty_agents:
            return any(
                o.contact.id not in call.closed
                and agent.queues[o.contact.queue].priority < own
                and self._fits(agent, o)
                for o in call.reverse.get(agent.id, ())
            )
        return any(
            membership.priority < own and self._probe(call, agent.id, (queue, channel)) >= 0
            for queue, membership in agent.queues.items()
            for channel in self._queue_channels.get(queue, ())
        )

    # --- routing -------------------------------------------------------------------------

    def route(self, now: datetime) -> list[Assignment]:
        """Assign waiting contacts to agents, exactly as `engine.route` would on this state.

        The assigned contacts leave the table; each agent's load on the channel goes up by
        one and their idle time starts again at `now`.
        """
        self._advance(now)
        self._calls += 1
        self._now = now
        call = _Call(now, self._dirty_agents)
        self._find_pairs(call)
        made: list[Assignment] = []
        while True:
            made.extend(self._pass(call))
            if not self._any_pair(call):
                break
        for contact_id in call.closed:
            self.remove_contact(contact_id)
        self._dirty_contacts = set()
        self._dirty_agents = set()
        return made

    def _find_pairs(self, call: _Call) -> None:
        """The agents each dirty contact fits now, from the agents free for its bucket."""
        for contact_id in self._dirty_contacts:
            w = self._contacts[contact_id]
            queue = w.contact.queue
            # the ready index holds agents who are available, serve the queue and are free
            # for the channel: only the contact's own conditions are left to check
            fits = [
                a
                for a in self._ready.get(w.bucket, ())
                if self._suits(agent := self._agents[a], agent.queues[queue], w)
            ]
            if not fits:
                continue
            call.pairs[contact_id] = fits
            for agent_id in fits:
                if agent_id not in call.dirty_agents:
                    call.reverse[agent_id].append(w)

    def _any_pair(self, call: _Call) -> bool:
        """Whether an open contact still fits an agent: then another pass assigns one."""
        for contact_id, agent_ids in call.pairs.items():
            if contact_id in call.closed:
                continue
            w = self._contacts[contact_id]
            if any(self._fits(self._agents[a], w) for a in agent_ids):
                return True
        return any(
            self._probe(call, agent_id, bucket) >= 0
            for agent_id in call.dirty_agents
            for bucket in self._buckets_of(self._agents[agent_id])
        )

    def _pass(self, call: _Call) -> list[Assignment]:
        """One pass of the engine, visiting only the contacts that fit some agent."""
        heap: list[_Entry] = []
        for contact_id in call.pairs:
            if contact_id not in call.closed:
                w = self._contacts[contact_id]
                heap.append((w.key, next(self._seq), w, None))
        for agent_id in call.dirty_agents:
            for bucket in self._buckets_of(self._agents[agent_id]):
                self._push_stream(call, heap, (agent_id, bucket, -1))
        heapq.heapify(heap)
        made: list[Assignment] = []
        while heap:
            _, _, w, stream = heapq.heappop(heap)
            streams = [stream] if stream else []
            while heap and heap[0][2] is w:
                more = heapq.heappop(heap)[3]
                if more:
                    streams.append(more)
            agent = self._visit(call, w, {s[0] for s in streams})
            if agent is not None:
                made.append(Assignment(w.contact.id, agent))
            for s in streams:
                self._push_stream(call, heap, s)
        return made

    def _push_stream(self, call: _Call, heap: list[_Entry], stream: _Stream) -> None:
        """Move a dirty agent's stream to the next open contact of its bucket it fits."""
        agent_id, bucket, at = stream
        if at < 0:
            found = self._probe(call, agent_id, bucket)
        else:
            found = self._next(call, agent_id, bucket, at + 1)
        if found >= 0:
            w = self._buckets[bucket][found]
            heapq.heappush(heap, (w.key, next(self._seq), w, (agent_id, bucket, found)))

    def _visit(self, call: _Call, w: _Waiting, stream_agents: set[str]) -> str | None:
        """The engine's step for one contact: choose among the agents who fit and are free."""
        candidates = stream_agents.union(call.pairs.get(w.contact.id, ()))
        # each candidate fitted when found; only an agent who took a contact since may not
        fit = [
            agent
            for agent in (self._agents[a] for a in candidates)
            if agent.id not in call.touched or self._fits(agent, w)
        ]
        agent = self._choose(call, fit, w)
        if agent is None:
            return None
        self._replace_agent(assigned(agent, w.contact.channel, call.now))
        call.touched.add(agent.id)
        call.closed.add(w.contact.id)
        return agent.id

    def _choose(self, call: _Call, fit: list[Agent], w: _Waiting) -> Agent | None:
        """`engine.choose` among agents who fit, leaving out those kept for better.

        The engine ranks the agents who are not kept; going through all of them in rank order
        and taking the first one not kept is the same, and asks "kept?" of far fewer.
        """
        contact = w.contact
        if contact.preferred_agent and (
            contact.preferred_until is None or self._now <= contact.preferred_until
        ):
            for agent in fit:
                if agent.id == contact.preferred_agent:
                    if not self._kept_for_better(call, agent, w):
                        return agent
                    break
        policy = self._policies.get(contact.queue, Policy.LONGEST_IDLE)
        fit.sort(key=lambda a: self._rank(a, w, policy))
        return next((a for a in fit if not self._kept_for_better(call, a, w)), None)

    def _rank(self, agent: Agent, w: _Waiting, policy: Policy) -> tuple[object, ...]:
        """`engine._rank`, with the requirement cached."""
        idle = -(self._now - agent.idle_since).total_seconds()
        if policy == Policy.LEAST_OCCUPIED:
            return (agent.occupancy(), idle, agent.id)
        if policy == Policy.MOST_PROFICIENT:
            level = agent.skills.get(w.skill, 0) if w.skill else 0
            return (-level, idle, agent.id)
        return (idle, agent.id)
