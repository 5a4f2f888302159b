"""The routing table decides exactly as the engine: for any situation, and after any history."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omniline.routing.engine import (
    Agent,
    Assignment,
    Contact,
    Membership,
    Policy,
    Step,
    route,
    waiting_order,
)
from omniline.routing.table import RoutingTable, assigned, released

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
QUEUES = ["cards", "loans", "vip"]
CHANNELS = ["voice", "chat", "email"]
SKILLS = ["cards", "loans", "polish"]
AGENT_IDS = [f"a{i}" for i in range(6)]
CONTACT_IDS = [f"c{i}" for i in range(14)]
# times chosen to fall on and just around the step and delay boundaries, and to tie
SECONDS = [0.0, 0.3, 10.0, 20.0, 30.0, 30.0000005]
WAITED = [0.0, 0.3, 5.0, 10.0, 20.0, 30.0, 45.0, 90.0, -5.0]


def at(seconds: float, base: datetime = NOW) -> datetime:
    return base + timedelta(seconds=seconds)


steps_st = st.lists(
    st.builds(
        Step,
        after=st.sampled_from([*SECONDS, 60.0]),
        skill=st.one_of(st.none(), st.sampled_from(SKILLS)),
        min_level=st.integers(1, 5),
    ),
    max_size=3,
).map(tuple)

memberships_st = st.dictionaries(
    st.sampled_from(QUEUES),
    st.builds(Membership, priority=st.integers(1, 3), delay=st.sampled_from([0.0, 0.3, 20.0])),
    min_size=1,
)


def agents_st(base: datetime = NOW) -> st.SearchStrategy[Agent]:
    return st.builds(
        Agent,
        id=st.sampled_from(AGENT_IDS),
        available=st.sampled_from([True, True, True, False]),
        idle_since=st.sampled_from([0, 30, 600, 3600]).map(lambda s: at(-s, base)),
        queues=memberships_st,
        capacity=st.fixed_dictionaries({c: st.integers(0, 3) for c in CHANNELS}),
        load=st.fixed_dictionaries({c: st.integers(0, 2) for c in CHANNELS}),
        skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5)),
        blocks=st.sampled_from([{}, {"voice": frozenset({"chat", "email"})}]),
    )


def contacts_st(base: datetime = NOW) -> st.SearchStrategy[Contact]:
    return st.builds(
        Contact,
        id=st.sampled_from(CONTACT_IDS),
        queue=st.sampled_from(QUEUES),
        channel=st.sampled_from(CHANNELS),
        enqueued_at=st.sampled_from(WAITED).map(lambda s: at(-s, base)),
        priority=st.integers(0, 2),
        steps=steps_st,
        preferred_agent=st.one_of(st.none(), st.sampled_from(AGENT_IDS)),
        preferred_until=st.one_of(
            st.none(), st.sampled_from([-1.0, 15.0, 60.0]).map(lambda s: at(s, base))
        ),
        excluded=st.frozensets(st.sampled_from(AGENT_IDS), max_size=2),
    )


policies_st = st.dictionaries(st.sampled_from(QUEUES), st.sampled_from(list(Policy)))


def _apply(
    made: list[Assignment], agents: dict[str, Agent], contacts: dict[str, Contact], now: datetime
) -> None:
    """What routing does to the state: the contact leaves, the agent takes a unit."""
    for m in made:
        contact = contacts.pop(m.contact_id)
        agents[m.agent_id] = assigned(agents[m.agent_id], contact.channel, now)


@settings(max_examples=400, deadline=None)
@given(
    agents=st.lists(agents_st(), max_size=6, unique_by=lambda a: a.id),
    contacts=st.lists(contacts_st(), max_size=14, unique_by=lambda c: c.id),
    policies=policies_st,
    offset=st.sampled_from([0.0, 0.3, 10.0, 30.0, 60.0]),
)
def test_the_table_routes_as_the_engine(
    agents: list[Agent], contacts: list[Contact], policies: dict[str, Policy], offset: float
) -> None:
    now = at(offset)
    table = RoutingTable(agents, contacts, policies)
    expected = route(contacts, agents, policies, now)
    assert table.route(now) == expected
    agents_after = {a.id: a for a in agents}
    contacts_after = {c.id: c for c in contacts}
    _apply(expected, agents_after, contacts_after, now)
    assert {a.id: a for a in table.agents} == agents_after
    assert table.contacts == waiting_order(contacts_after.values())
    assert table.route(now) == []


# a history is a list of operations; times in them are relative to the moment they happen
Op = tuple[str, object]

# kind of operation -> (how often, its argument)
OPS: dict[str, tuple[int, st.SearchStrategy[object]]] = {
    "add_contact": (6, contacts_st()),
    "upsert_agent": (2, agents_st()),
    "availability": (1, st.sampled_from(AGENT_IDS)),
    "remove_agent": (1, st.sampled_from(AGENT_IDS)),
    "remove_contact": (1, st.sampled_from(CONTACT_IDS)),
    "release": (3, st.tuples(st.sampled_from(AGENT_IDS), st.sampled_from(CHANNELS))),
    "set_policy": (1, st.tuples(st.sampled_from(QUEUES), st.sampled_from(list(Policy)))),
    "route": (4, st.sampled_from([0.0, 0.000001, 0.3, 1.0, 10.0, 20.0, 30.0, 60.0])),
    "route_back": (1, st.just(-10.0)),  # time going back: the table must not rely on the past
}
ops_st = st.sampled_from([kind for kind, (n, _) in OPS.items() for _ in range(n)]).flatmap(
    lambda kind: OPS[kind][1].map(lambda arg: (kind, arg))
)


class Model:
    """A table and the same state as plain data, moved together; every routing must agree."""

    def __init__(self) -> None:
        self.now = NOW
        self.agents: dict[str, Agent] = {}
        self.contacts: dict[str, Contact] = {}
        self.policies: dict[str, Policy] = {}
        self.table = RoutingTable()

    def shifted(self, value: datetime) -> datetime:
        return value + (self.now - NOW)

    def apply(self, kind: str, arg: object) -> None:
        getattr(self, kind)(arg)
        assert {a.id: a for a in self.table.agents} == self.agents
        assert self.table.contacts == waiting_order(self.contacts.values())

    def add_contact(self, c: Contact) -> None:
        until = c.preferred_until and self.shifted(c.preferred_until)
        c = replace(c, enqueued_at=self.shifted(c.enqueued_at), preferred_until=until)
        self.contacts[c.id] = c
        self.table.add_contact(c)

    def upsert_agent(self, a: Agent) -> None:
        a = replace(a, idle_since=self.shifted(a.idle_since))
        self.agents[a.id] = a
        self.table.upsert_agent(a)

    def availability(self, agent_id: str) -> None:
        if agent_id in self.agents:
            a = self.agents[agent_id]
            self.agents[agent_id] = a = replace(a, available=not a.available)
            self.table.upsert_agent(a)

    def remove_agent(self, agent_id: str) -> None:
        assert self.table.remove_agent(agent_id) == self.agents.pop(agent_id, None)

    def remove_contact(self, contact_id: str) -> None:
        assert self.table.remove_contact(contact_id) == self.contacts.pop(contact_id, None)

    def release(self, what: tuple[str, str]) -> None:
        agent_id, channel = what
        if agent_id in self.agents:
            self.agents[agent_id] = released(self.agents[agent_id], channel, self.now)
            assert self.table.release(agent_id, channel, self.now) == self.agents[agent_id]

    def set_policy(self, what: tuple[str, Policy]) -> None:
        self.policies[what[0]] = what[1]
        self.table.set_policy(*what)

    def route(self, step: float) -> None:
        self.now = at(step, self.now)
        expected = route(self.contacts.values(), self.agents.values(), self.policies, self.now)
        assert self.table.route(self.now) == expected
        _apply(expected, self.agents, self.contacts, self.now)

    route_back = route


@settings(max_examples=300, deadline=None)
@given(
    staff=st.lists(agents_st(), min_size=2, max_size=6, unique_by=lambda a: a.id),
    history=st.lists(ops_st, min_size=20, max_size=60),
)
def test_any_history_routes_as_the_engine(staff: list[Agent], history: list[Op]) -> None:
    model = Model()
    for kind, arg in [("upsert_agent", a) for a in staff] + history:
        model.apply(kind, arg)


# --- examples ----------------------------------------------------------------------------


def agent(id: str, *, idle: float = 0, **kw: object) -> Agent:
    return Agent(
        id=id,
        available=kw.pop("available", True),  # type: ignore[arg-type]
        idle_since=at(-idle),
        queues=kw.pop("queues", {"cards": Membership()}),  # type: ignore[arg-type]
        capacity=kw.pop("capacity", {"voice": 1, "chat": 3}),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def contact(id: str, *, waited: float = 0, **kw: object) -> Contact:
    kw.setdefault("queue", "cards")
    kw.setdefault("channel", "voice")
    return Contact(id=id, enqueued_at=at(-waited), **kw)  # type: ignore[arg-type]


def test_a_released_agent_takes_the_next_contact() -> None:
    table = RoutingTable([agent("a")], [contact("c1", waited=5), contact("c2")])
    assert table.route(NOW) == [Assignment("c1", "a")]
    assert table.route(at(1)) == []
    table.release("a", "voice", at(2))
    assert table.route(at(3)) == [Assignment("c2", "a")]
    assert table.contacts == []


def test_time_alone_relaxes_a_requirement_and_passes_a_profile_delay() -> None:
    steps = (Step(0, "cards", 4), Step(30, "cards", 2))
    junior = agent("j", skills={"cards": 2})
    backup = agent("b", queues={"loans": Membership(delay=20)})
    table = RoutingTable([junior, backup], [contact("c"), contact("l", queue="loans")])
    table.add_contact(contact("s", steps=steps))
    assert table.route(NOW) == [Assignment("c", "j")]
    table.release("j", "voice", NOW)
    assert table.route(at(19.999999)) == []
    assert table.route(at(20)) == [Assignment("l", "b")]
    assert table.route(at(29.999999)) == []
    assert table.route(at(30)) == [Assignment("s", "j")]


def test_an_agent_who_declined_is_not_offered_the_contact_again() -> None:
    table = RoutingTable([agent("a", idle=100), agent("b")])
    table.add_contact(contact("c", excluded=frozenset({"a"})))
    assert table.route(NOW) == [Assignment("c", "b")]


def test_releasing_the_last_contact_starts_the_idle_time() -> None:
    busy = agent("a", idle=100, load={"chat": 2})
    once = released(busy, "chat", NOW)
    assert once.load["chat"] == 1
    assert once.idle_since == busy.idle_since
    assert released(once, "chat", NOW).idle_since == NOW
    assert released(agent("b"), "chat", NOW).load["chat"] == 0  # never below zero


def test_a_policy_given_as_its_string_value_counts() -> None:
    agents = [agent("busy", idle=500, load={"chat": 2}), agent("calm", idle=5)]
    contacts = [contact("c", channel="chat")]
    policies = {"cards": "least_occupied"}
    expected = [Assignment("c", "calm")]
    assert route(contacts, agents, policies, NOW) == expected  # type: ignore[arg-type]
    assert RoutingTable(agents, contacts, policies).route(NOW) == expected  # type: ignore[arg-type]
