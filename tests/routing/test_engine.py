"""The routing engine's rules, and the invariants that must hold for any situation."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omniline.routing.engine import (
    Agent,
    Contact,
    Membership,
    Policy,
    Step,
    eligible,
    requirement,
    route,
    waiting_order,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
QUEUES = ["cards", "loans", "vip"]
CHANNELS = ["voice", "chat", "email"]
SKILLS = ["cards", "loans", "polish"]


def agent(
    id: str, *, idle: float = 0, queues: dict[str, Membership] | None = None, **kw: object
) -> Agent:
    return Agent(
        id=id,
        available=kw.pop("available", True),  # type: ignore[arg-type]
        idle_since=NOW - timedelta(seconds=idle),
        queues=queues or {"cards": Membership()},
        capacity=kw.pop("capacity", {"voice": 1, "chat": 3}),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def contact(id: str, *, waited: float = 0, **kw: object) -> Contact:
    kw.setdefault("queue", "cards")
    kw.setdefault("channel", "voice")
    return Contact(id=id, enqueued_at=NOW - timedelta(seconds=waited), **kw)  # type: ignore[arg-type]


def test_requirements_relax_as_the_contact_waits() -> None:
    steps = (Step(0, "cards", 4), Step(30, "cards", 2), Step(60))
    assert requirement(contact("c", waited=10, steps=steps), NOW) == Step(0, "cards", 4)
    assert requirement(contact("c", waited=31, steps=steps), NOW) == Step(30, "cards", 2)
    assert requirement(contact("c", waited=90, steps=steps), NOW) == Step(60)
    junior = agent("a", skills={"cards": 2})
    assert not eligible(junior, contact("c", waited=10, steps=steps), NOW)
    assert eligible(junior, contact("c", waited=31, steps=steps), NOW)


def test_longest_idle_agent_gets_the_contact() -> None:
    agents = [agent("a", idle=10), agent("b", idle=300), agent("c", idle=60)]
    [made] = route([contact("c1")], agents, {}, NOW)
    assert made.agent_id == "b"


def test_least_occupied_and_most_proficient_policies() -> None:
    busy = agent("a", idle=500, load={"chat": 2})
    calm = agent("b", idle=5, load={"chat": 0})
    [made] = route(
        [contact("c", channel="chat")], [busy, calm], {"cards": Policy.LEAST_OCCUPIED}, NOW
    )
    assert made.agent_id == "b"
    steps = (Step(0, "cards", 1),)
    expert = agent("x", idle=1, skills={"cards": 5})
    novice = agent("y", idle=900, skills={"cards": 1})
    policy = {"cards": Policy.MOST_PROFICIENT}
    [made] = route([contact("c", steps=steps)], [novice, expert], policy, NOW)
    assert made.agent_id == "x"


def test_preferred_agent_first_while_the_preference_lasts() -> None:
    agents = [agent("a", idle=900), agent("b", idle=1)]
    fresh = contact("c", preferred_agent="b", preferred_until=NOW + timedelta(hours=1))
    assert route([fresh], agents, {}, NOW)[0].agent_id == "b"
    stale = contact("c", preferred_agent="b", preferred_until=NOW - timedelta(seconds=1))
    assert route([stale], agents, {}, NOW)[0].agent_id == "a"


def test_a_call_blocks_new_chats_and_capacity_is_per_channel() -> None:
    on_call = agent("a", load={"voice": 1}, blocks={"voice": frozenset({"chat"})})
    assert not eligible(on_call, contact("c", channel="chat"), NOW)
    chatting = agent("b", load={"chat": 2})
    assert eligible(chatting, contact("c", channel="chat"), NOW)
    assert not eligible(agent("d", load={"chat": 3}), contact("c", channel="chat"), NOW)


def test_queue_delay_on_the_profile() -> None:
    backup = agent("a", queues={"cards": Membership(delay=20)})
    assert not eligible(backup, contact("c", waited=5), NOW)
    assert eligible(backup, contact("c", waited=25), NOW)


def test_profile_priority_keeps_the_agent_for_the_first_queue() -> None:
    profile = {"vip": Membership(priority=1), "cards": Membership(priority=2)}
    a = agent("a", queues=profile)
    older_cards = contact("old", waited=100, queue="cards")
    newer_vip = contact("vip", waited=1, queue="vip")
    assert route([older_cards, newer_vip], [a], {}, NOW)[0].contact_id == "vip"


def test_higher_priority_contacts_go_first_then_first_come_first_served() -> None:
    order = waiting_order([
        contact("late", waited=1), contact("early", waited=50), contact("urgent", priority=5)
    ])  # fmt: skip
    assert [c.id for c in order] == ["urgent", "early", "late"]


# --- invariants, for any situation -------------------------------------------------------

steps_st = st.lists(
    st.builds(
        Step,
        after=st.sampled_from([0.0, 30.0, 60.0]),
        skill=st.one_of(st.none(), st.sampled_from(SKILLS)),
        min_level=st.integers(1, 5),
    ),
    max_size=3,
).map(tuple)

agents_st = st.lists(
    st.builds(
        Agent,
        id=st.uuids().map(str),
        available=st.booleans(),
        idle_since=st.integers(0, 3600).map(lambda s: NOW - timedelta(seconds=s)),
        queues=st.dictionaries(
            st.sampled_from(QUEUES),
            st.builds(Membership, priority=st.integers(1, 3), delay=st.sampled_from([0.0, 20.0])),
            min_size=1,
        ),
        capacity=st.fixed_dictionaries({c: st.integers(0, 3) for c in CHANNELS}),
        load=st.fixed_dictionaries({c: st.integers(0, 2) for c in CHANNELS}),
        skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5)),
        blocks=st.sampled_from([{}, {"voice": frozenset({"chat", "email"})}]),
    ),
    max_size=8,
    unique_by=lambda a: a.id,
)

contacts_st = st.lists(
    st.builds(
        Contact,
        id=st.uuids().map(str),
        queue=st.sampled_from(QUEUES),
        channel=st.sampled_from(CHANNELS),
        enqueued_at=st.integers(0, 120).map(lambda s: NOW - timedelta(seconds=s)),
        priority=st.integers(0, 2),
        steps=steps_st,
    ),
    max_size=15,
    unique_by=lambda c: c.id,
)

policies_st = st.dictionaries(st.sampled_from(QUEUES), st.sampled_from(list(Policy)))


def _after(
    agents: list[Agent], made: list[tuple[str, str]], contacts: dict[str, Contact]
) -> dict[str, Agent]:
    final = {a.id: a for a in agents}
    for contact_id, agent_id in made:
        a = final[agent_id]
        load = dict(a.load)
        channel = contacts[contact_id].channel
        load[channel] = load.get(channel, 0) + 1
        final[agent_id] = Agent(
            a.id, a.available, NOW, a.queues, a.capacity, load, a.skills, a.blocks
        )
    return final


@settings(max_examples=300, deadline=None)
@given(agents=agents_st, contacts=contacts_st, policies=policies_st)
def test_invariants(
    agents: list[Agent], contacts: list[Contact], policies: dict[str, Policy]
) -> None:
    made = route(contacts, agents, policies, NOW)
    by_id = {c.id: c for c in contacts}
    pairs = [(m.contact_id, m.agent_id) for m in made]
    # each contact at most once
    assert len({c for c, _ in pairs}) == len(pairs)
    # every assignment was allowed, in the order it was made: capacity, skills, queue, state
    start = {a.id: a for a in agents}
    for i, (contact_id, agent_id) in enumerate(pairs):
        current = _after(agents, pairs[:i], by_id)[agent_id]
        assert eligible(current, by_id[contact_id], NOW), (contact_id, agent_id)
    # capacity is never exceeded
    for a in _after(agents, pairs, by_id).values():
        for channel, load in a.load.items():
            assert load <= max(a.capacity.get(channel, 0), start[a.id].load.get(channel, 0))
    # no contact is left waiting while an agent could take it
    final = _after(agents, pairs, by_id)
    assigned = {c for c, _ in pairs}
    for c in contacts:
        if c.id not in assigned:
            assert not any(eligible(a, c, NOW) for a in final.values()), c.id


@settings(max_examples=200, deadline=None)
@given(agents=agents_st, contacts=contacts_st)
def test_first_come_first_served_within_equal_priority(
    agents: list[Agent], contacts: list[Contact]
) -> None:
    # same queue, channel, priority and requirements: an earlier contact is never skipped
    same = [Contact(c.id, "cards", "chat", c.enqueued_at) for c in contacts]
    made = {m.contact_id for m in route(same, agents, {}, NOW)}
    order = waiting_order(same)
    served = [c.id in made for c in order]
    assert served == sorted(served, reverse=True)
