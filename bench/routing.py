"""Routing benchmark: a discrete-event simulation of one hour of a large contact center.

    .venv/bin/python bench/routing.py engine              # 2,000 agents, 100,000 contacts

`engine` drives the pure routing code, no database and no server: contacts arrive (Poisson),
agents finish them after a drawn handle time, and requirements relax as contacts wait. On every
event the router is asked to route (`route(now)`) and each call is timed. Two routers:

- `RoutingTable` (src/omniline/routing/table.py), on the whole hour;
- the naive `engine.route` on the same state, far too slow for the hour: both are run on the
  same window (`--prefix` route calls from `--prefix-start` seconds on, starting from the
  table's state at that moment), their decisions compared, and their speeds.

The scenario (all drawn from `--seed`):

- `--skills` skills; `--queues` queues, each needing one skill. Most queues relax their
  requirement: proficiency >= 4 for 30 s, then >= 2, then anyone in the queue after 60 s; the
  others ask for the skill at any level, or for anyone. Policies: longest idle mostly, some
  least occupied or most proficient.
- `--agents` agents with 3 to 5 skills (proficiency 1-5) and a routing profile of 4 to 8
  queues needing those skills, at priorities 1 to 3; a fifth of the priority-3 queues are
  served only after a contact waited 20 s. 40 % voice only (capacity 1), 30 % digital (chat 3,
  email 5), 30 % blended (voice 1, chat 3, email 5; a call blocks new chats).
- `--contacts` contacts in `--seconds`, arrival times uniform (a Poisson process given the
  count), queues uniform; voice 50 %, chat 35 %, email 15 %; 5 % urgent; 5 % prefer an agent
  of the queue for 60 s.
- Handle times are exponential, with a mean per channel set so that the offered work is
  `--utilisation` of the channel's capacity (all agents' slots of that channel).

The service part (routing through the database) will be added as another subcommand.
"""

import argparse
import gc
import heapq
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from omniline.routing.engine import (
    Agent,
    Assignment,
    Contact,
    Membership,
    Policy,
    Step,
    route,
)
from omniline.routing.table import RoutingTable, assigned, released

BASE = datetime(2026, 11, 25, 9, tzinfo=UTC)
CHANNEL_MIX = {"voice": 0.50, "chat": 0.35, "email": 0.15}
# kind of agent -> (share, capacity, blocks)
STAFF_KINDS: dict[str, tuple[float, dict[str, int], dict[str, frozenset[str]]]] = {
    "voice": (0.4, {"voice": 1}, {}),
    "digital": (0.3, {"chat": 3, "email": 5}, {}),
    "blended": (0.3, {"voice": 1, "chat": 3, "email": 5}, {"voice": frozenset({"chat"})}),
}


# --- the scenario ------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    seed: int = 1
    agents: int = 2000
    queues: int = 200
    skills: int = 20
    contacts: int = 100_000
    seconds: float = 3600.0
    utilisation: float = 0.85


@dataclass(frozen=True)
class Arrival:
    contact: Contact
    handle: float  # seconds the agent will spend on it
    relax_at: tuple[float, ...]  # waits after which who may take it changes


@dataclass
class Scenario:
    config: Config
    agents: list[Agent]
    policies: dict[str, Policy]
    arrivals: list[Arrival]
    mean_handle: dict[str, float]


def _queue_steps(rng: random.Random, skill: str) -> tuple[Step, ...]:
    """Most queues relax (>= 4, then >= 2 after 30 s, then anyone after 60 s)."""
    draw = rng.random()
    if draw < 0.7:
        return (Step(0, skill, 4), Step(30, skill, 2), Step(60))
    if draw < 0.9:
        return (Step(0, skill, 1),)
    return (Step(),)


def _make_agent(rng: random.Random, i: int, config: Config, by_skill: list[list[str]]) -> Agent:
    kinds = list(STAFF_KINDS)
    kind = rng.choices(kinds, weights=[STAFF_KINDS[k][0] for k in kinds])[0]
    _, capacity, blocks = STAFF_KINDS[kind]
    picked = rng.sample(range(config.skills), min(config.skills, rng.randint(3, 5)))
    skills = {f"s{s}": rng.randint(1, 5) for s in picked}
    candidates = sorted({q for s in skills for q in by_skill[int(s[1:])]})
    chosen = rng.sample(candidates, min(len(candidates), rng.randint(4, 8)))
    queues = {}
    for rank, queue in enumerate(chosen):
        priority = 1 if rank < 2 else 2 if rank < 4 else 3
        delay = 20.0 if priority == 3 and rng.random() < 0.2 else 0.0
        queues[queue] = Membership(priority=priority, delay=delay)
    return Agent(
        id=f"agent-{i:05d}",
        available=True,
        idle_since=BASE,
        queues=queues,
        capacity=dict(capacity),
        skills=skills,
        blocks=dict(blocks),
    )


def _mean_handle(config: Config, agents: list[Agent]) -> dict[str, float]:
    """Mean handle time per channel so that the offered work fills `utilisation` of its slots."""
    rate = config.contacts / config.seconds
    slots = {ch: sum(a.capacity.get(ch, 0) for a in agents) for ch in CHANNEL_MIX}
    return {
        ch: config.utilisation * slots[ch] / (rate * share) for ch, share in CHANNEL_MIX.items()
    }


def build_scenario(config: Config) -> Scenario:
    """Agents, queues and every arrival of the run, all drawn from the seed."""
    rng = random.Random(config.seed)
    queue_skill = {f"q{q}": f"s{q % config.skills}" for q in range(config.queues)}
    by_skill: list[list[str]] = [[] for _ in range(config.skills)]
    for queue, skill in queue_skill.items():
        by_skill[int(skill[1:])].append(queue)
    steps = {queue: _queue_steps(rng, skill) for queue, skill in queue_skill.items()}
    policies = {q: rng.choices(list(Policy), weights=[0.7, 0.15, 0.15])[0] for q in queue_skill}
    agents = [_make_agent(rng, i, config, by_skill) for i in range(config.agents)]
    members: dict[str, list[str]] = {q: [] for q in queue_skill}
    delays: dict[str, set[float]] = {q: set() for q in queue_skill}
    for agent in agents:
        for queue, membership in agent.queues.items():
            members[queue].append(agent.id)
            if membership.delay:
                delays[queue].add(membership.delay)
    mean_handle = _mean_handle(config, agents)
    times = sorted(rng.uniform(0, config.seconds) for _ in range(config.contacts))
    queues = list(queue_skill)
    channels, shares = list(CHANNEL_MIX), list(CHANNEL_MIX.values())
    arrivals = []
    for n, t in enumerate(times):
        queue = rng.choice(queues)
        channel = rng.choices(channels, weights=shares)[0]
        enqueued = BASE + timedelta(seconds=t)
        preferred = rng.choice(members[queue]) if members[queue] and rng.random() < 0.05 else None
        contact = Contact(
            id=f"c{n:07d}",
            queue=queue,
            channel=channel,
            enqueued_at=enqueued,
            priority=1 if rng.random() < 0.05 else 0,
            steps=steps[queue],
            preferred_agent=preferred,
            preferred_until=enqueued + timedelta(seconds=60) if preferred else None,
        )
        relax = sorted({s.after for s in steps[queue] if s.after > 0} | delays[queue])
        handle = rng.expovariate(1 / mean_handle[channel])
        arrivals.append(Arrival(contact, handle, tuple(relax)))
    return Scenario(config, agents, policies, arrivals, mean_handle)


# --- routers -----------------------------------------------------------------------------


class Router(Protocol):
    """What the simulation needs of a router (RoutingTable has it all)."""

    @property
    def agents(self) -> list[Agent]: ...
    @property
    def contacts(self) -> list[Contact]: ...
    @property
    def policies(self) -> dict[str, Policy]: ...
    def add_contact(self, contact: Contact) -> None: ...
    def release(self, agent_id: str, channel: str, now: datetime) -> Agent: ...
    def route(self, now: datetime) -> list[Assignment]: ...


class NaiveRouter:
    """The reference: `engine.route` on the whole state at every call."""

    def __init__(
        self, agents: Iterable[Agent], contacts: Iterable[Contact], policies: Mapping[str, Policy]
    ) -> None:
        self._agents = {a.id: a for a in agents}
        self._contacts = {c.id: c for c in contacts}
        self._policies = dict(policies)

    @property
    def agents(self) -> list[Agent]:
        return list(self._agents.values())

    @property
    def contacts(self) -> list[Contact]:
        return list(self._contacts.values())

    @property
    def policies(self) -> dict[str, Policy]:
        return dict(self._policies)

    def add_contact(self, contact: Contact) -> None:
        self._contacts[contact.id] = contact

    def release(self, agent_id: str, channel: str, now: datetime) -> Agent:
        self._agents[agent_id] = released(self._agents[agent_id], channel, now)
        return self._agents[agent_id]

    def route(self, now: datetime) -> list[Assignment]:
        made = route(self._contacts.values(), self._agents.values(), self._policies, now)
        for m in made:
            contact = self._contacts.pop(m.contact_id)
            self._agents[m.agent_id] = assigned(self._agents[m.agent_id], contact.channel, now)
        return made


# --- the simulation ----------------------------------------------------------------------

ARRIVE, FINISH, RELAX = 0, 1, 2


@dataclass(frozen=True)
class Finish:
    agent_id: str
    channel: str


@dataclass
class Stats:
    latencies_ns: list[int] = field(default_factory=list)
    assignments: int = 0
    answered: int = 0
    wait_seconds: float = 0.0
    decisions: list[Assignment] = field(default_factory=list)
    keep_decisions: bool = False
    busy_area: dict[str, float] = field(default_factory=dict)  # channel -> slot-seconds in use
    observed: float = 0.0  # seconds over which busy_area was summed


@dataclass
class Simulation:
    """The event loop: every event changes the router's state, then asks it to route."""

    scenario: Scenario
    router: Router
    now: datetime = BASE
    events: list[tuple[datetime, int, int, object]] = field(default_factory=list)
    waiting: dict[str, Arrival] = field(default_factory=dict)
    busy: dict[str, int] = field(default_factory=dict)  # channel -> contacts in hand
    seq: "itertools.count[int]" = field(default_factory=itertools.count)
    stats: Stats = field(default_factory=Stats)

    @classmethod
    def start(cls, scenario: Scenario, make: Callable[..., Router]) -> "Simulation":
        sim = cls(scenario, make(scenario.agents, (), scenario.policies))
        if scenario.arrivals:
            sim.push(scenario.arrivals[0].contact.enqueued_at, ARRIVE, 0)
        return sim

    def fork(self, make: Callable[..., Router], keep_decisions: bool = False) -> "Simulation":
        """The same state and pending events, with another router and fresh statistics."""
        router = make(self.router.agents, self.router.contacts, self.router.policies)
        settled = router.route(self.now)
        assert not settled, "a router built from a settled state has nothing to do"
        return Simulation(
            self.scenario, router, self.now, list(self.events), dict(self.waiting),
            dict(self.busy), itertools.count(next(self.seq)),
            Stats(keep_decisions=keep_decisions),
        )  # fmt: skip

    def push(self, at: datetime, kind: int, payload: object) -> None:
        heapq.heappush(self.events, (at, next(self.seq), kind, payload))

    def run(self, *, until: datetime | None = None, events: int | None = None) -> None:
        """Handle events up to `until`, or `events` route calls, whichever comes first."""
        calls = 0
        while self.events and (until is None or self.events[0][0] < until):
            if events is not None and calls >= events:
                return
            at, _, kind, payload = heapq.heappop(self.events)
            if self.handle(at, kind, payload):
                self.route()
                calls += 1

    def handle(self, at: datetime, kind: int, payload: object) -> bool:
        """Apply one event; False when it changes nothing (a relax after the contact left)."""
        self.account(at)
        if kind == ARRIVE:
            assert isinstance(payload, int)
            arrivals = self.scenario.arrivals
            if payload + 1 < len(arrivals):  # one arrival in the heap at a time
                self.push(arrivals[payload + 1].contact.enqueued_at, ARRIVE, payload + 1)
            arrival = arrivals[payload]
            self.waiting[arrival.contact.id] = arrival
            self.router.add_contact(arrival.contact)
            for after in arrival.relax_at:
                self.push(at + timedelta(seconds=after), RELAX, arrival.contact.id)
        elif kind == FINISH:
            assert isinstance(payload, Finish)
            agent_id, channel = payload.agent_id, payload.channel
            self.busy[channel] -= 1
            self.router.release(agent_id, channel, at)
        elif payload not in self.waiting:
            return False
        return True

    def account(self, at: datetime) -> None:
        """Advance the clock, summing the slots in use over time."""
        elapsed = (at - self.now).total_seconds()
        for channel, count in self.busy.items():
            self.stats.busy_area[channel] = self.stats.busy_area.get(channel, 0.0) + count * elapsed
        self.stats.observed += elapsed
        self.now = at

    def route(self) -> None:
        start = time.perf_counter_ns()
        made = self.router.route(self.now)
        self.stats.latencies_ns.append(time.perf_counter_ns() - start)
        for m in made:
            arrival = self.waiting.pop(m.contact_id)
            channel = arrival.contact.channel
            self.busy[channel] = self.busy.get(channel, 0) + 1
            done = self.now + timedelta(seconds=arrival.handle)
            self.push(done, FINISH, Finish(m.agent_id, channel))
            self.stats.answered += 1
            self.stats.wait_seconds += (self.now - arrival.contact.enqueued_at).total_seconds()
        self.stats.assignments += len(made)
        if self.stats.keep_decisions:
            self.stats.decisions.extend(made)


# --- reporting ---------------------------------------------------------------------------


@dataclass
class Row:
    router: str
    window: str
    calls: int
    assignments: int
    routing_seconds: float
    p50_us: float
    p99_us: float
    p999_us: float
    max_us: float
    answered: int
    mean_wait: float
    still_waiting: int

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.routing_seconds if self.routing_seconds else float("nan")

    @property
    def assignments_per_second(self) -> float:
        return self.assignments / self.routing_seconds if self.routing_seconds else float("nan")


def summarize(router: str, window: str, sim: Simulation) -> Row:
    lat = sorted(sim.stats.latencies_ns)
    cuts = statistics.quantiles(lat, n=1000, method="inclusive") if len(lat) > 1 else [0.0] * 999
    answered = sim.stats.answered
    return Row(
        router=router,
        window=window,
        calls=len(lat),
        assignments=sim.stats.assignments,
        routing_seconds=sum(lat) / 1e9,
        p50_us=cuts[499] / 1000,
        p99_us=cuts[989] / 1000,
        p999_us=cuts[998] / 1000,
        max_us=(lat[-1] if lat else 0) / 1000,
        answered=answered,
        mean_wait=sim.stats.wait_seconds / answered if answered else float("nan"),
        still_waiting=len(sim.waiting),
    )


def markdown(rows: list[Row]) -> str:
    head = (
        "| router | window | route calls | assignments | routing s | calls/s | assignments/s "
        "| p50 µs | p99 µs | p99.9 µs | max µs | answered | mean wait s | still waiting |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        f"| {r.router} | {r.window} | {r.calls:,} | {r.assignments:,} | {r.routing_seconds:.2f} "
        f"| {r.calls_per_second:,.0f} | {r.assignments_per_second:,.0f} | {r.p50_us:.0f} "
        f"| {r.p99_us:.0f} | {r.p999_us:,.0f} | {r.max_us:,.0f} | {r.answered:,} "
        f"| {r.mean_wait:.1f} | {r.still_waiting:,} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def occupancy(
    sim: Simulation, agents: list[Agent], since: tuple[dict[str, float], float] = ({}, 0.0)
) -> str:
    """Share of each channel's slots in use, over the time observed (after `since`)."""
    area_before, observed_before = since
    observed = sim.stats.observed - observed_before
    parts = []
    for channel in CHANNEL_MIX:
        slots = sum(a.capacity.get(channel, 0) for a in agents)
        area = sim.stats.busy_area.get(channel, 0.0) - area_before.get(channel, 0.0)
        parts.append(f"{channel} {area / (slots * observed):.0%}")
    return ", ".join(parts)


# --- the engine part ---------------------------------------------------------------------


def run_engine(args: argparse.Namespace) -> None:
    """Table on the whole run; table and naive engine on the same window of events."""
    config = Config(
        args.seed, args.agents, args.queues, args.skills, args.contacts, args.seconds,
        args.utilisation,
    )  # fmt: skip
    notes = [f"config: {config}"]
    scenario = build_scenario(config)
    handles = ", ".join(f"{ch} {s:.0f} s" for ch, s in scenario.mean_handle.items())
    notes.append(f"mean handle times: {handles}")
    sim = Simulation.start(scenario, RoutingTable)
    if not args.no_freeze:
        # the drawn arrivals are the harness's, not the router's: keep the collector from
        # walking them again and again (see bench/README.md)
        gc.freeze()
    end = BASE + timedelta(seconds=config.seconds)
    began = time.perf_counter()
    sim.run(until=min(end, BASE + timedelta(seconds=args.prefix_start)))
    half = (dict(sim.stats.busy_area), sim.stats.observed)
    rows = compare_on_window(sim, args.prefix, notes) if args.prefix else []
    sim.run(until=end)
    sim.account(end)
    notes.append(f"whole run (table): {time.perf_counter() - began:.1f} s of wall time")
    notes.append(f"slots in use over the run: {occupancy(sim, scenario.agents)}")
    notes.append(
        f"slots in use from {args.prefix_start:.0f} s on: {occupancy(sim, scenario.agents, half)}"
    )
    rows.insert(0, summarize("RoutingTable", f"0-{config.seconds:.0f} s", sim))
    print(markdown(rows))
    print()
    print("\n".join(f"- {note}" for note in notes))


def compare_on_window(sim: Simulation, events: int, notes: list[str]) -> list[Row]:
    """Fork the simulation at its current moment and run both routers on the same events."""
    window = f"{(sim.now - BASE).total_seconds():.0f} s + {events} calls"
    notes.append(f"window: {window}, starting with {len(sim.waiting)} contacts waiting")
    naive = sim.fork(NaiveRouter, keep_decisions=True)
    table = sim.fork(RoutingTable, keep_decisions=True)
    table.run(events=events)
    began = time.perf_counter()
    naive.run(events=events)
    notes.append(f"naive engine on the window: {time.perf_counter() - began:.1f} s of wall time")
    if naive.stats.decisions != table.stats.decisions:
        raise SystemExit("the table and the engine disagree on the window")
    notes.append(f"same decisions on the window: yes ({table.stats.assignments} assignments)")
    rows = [summarize("RoutingTable", window, table), summarize("engine.route", window, naive)]
    ratio = rows[1].routing_seconds / rows[0].routing_seconds
    notes.append(f"engine.route / RoutingTable routing time on the window: {ratio:,.0f}x")
    return rows


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["service"]:  # the same scale through the routing service and a database
        import routing_service  # bench/routing_service.py, beside this file

        routing_service.main(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parts = parser.add_subparsers(dest="part", required=True)
    parts.add_parser("service", help="passes through the service (see routing_service.py -h)")
    engine = parts.add_parser("engine", help="the pure routing code in a simulation")
    defaults = Config()
    engine.add_argument("--seed", type=int, default=defaults.seed)
    engine.add_argument("--agents", type=int, default=defaults.agents)
    engine.add_argument("--queues", type=int, default=defaults.queues)
    engine.add_argument("--skills", type=int, default=defaults.skills)
    engine.add_argument("--contacts", type=int, default=defaults.contacts)
    engine.add_argument("--seconds", type=float, default=defaults.seconds)
    engine.add_argument("--utilisation", type=float, default=defaults.utilisation)
    engine.add_argument("--prefix", type=int, default=100, help="route calls in the window "
                        "both routers run (0: table only)")  # fmt: skip
    engine.add_argument("--prefix-start", type=float, default=1800.0,
                        help="simulated second the window starts at")  # fmt: skip
    engine.add_argument("--no-freeze", action="store_true",
                        help="leave the drawn scenario to the garbage collector")  # fmt: skip
    args = parser.parse_args(argv)
    if args.part == "engine":
        run_engine(args)


if __name__ == "__main__":
    main()
