"""Routing for the Demo Bank: queues, routing profiles and agents, switched on at "now".

The demo's history predates routing: its contacts carry only a queue name. At the end of
seeding the bank sets routing up through the routing service, as an administrator would,
runs one routing pass so the contacts still waiting are taken into their queues. The agents
are seeded offline: nobody has a desk open yet, and routing gives work only to an agent
whose desk is connected (`routing/presence.py`). An agent who logs in, opens the desk and
sets themselves available gets what their profile can take.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from omniline.customers import service as customers
from omniline.customers.schemas import CustomerPatch
from omniline.customers.service import IdentityClaim
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.models import AgentState, Queue, RoutingProfile, Tenant, User
from omniline.routing import service as routing
from omniline.routing.passes import run_pass
from omniline.routing.schemas import ProfileCreate, ProfileQueue, QueueCreate

HOUR = 3600
WRITTEN = {"first_response_seconds": 4 * HOUR, "next_response_seconds": 8 * HOUR}

# The queues carry the names the demo's contacts already have (the top-level reason, or
# "general"), so the pass finds each waiting contact's queue by name. Created in this order:
# "general" first, because the others overflow into it. `calendar` is left out, that is
# null: every queue keeps the tenant's business hours.
QUEUES: list[dict[str, Any]] = [
    {
        "name": "general",
        "description": "Everything without a topic, and what waited too long elsewhere.",
        "channels": ["voice", "webchat", "email", "webform"],
        # a contact that names no queue goes to the highest-priority queue of its channel
        "priority": 1,
        "sl_percent": 80,
        "sl_seconds": 60,
        **WRITTEN,
        "wrap_up_seconds": 60,
    },
    {
        "name": "cards",
        "reasons": ["cards"],
        "description": "Blocked, lost and stolen cards: calls, chats and web forms.",
        "channels": ["voice", "webchat", "webform"],
        "policy": "most_proficient",
        "sl_percent": 80,
        "sl_seconds": 20,
        **WRITTEN,
        # a card expert first, then anyone who knows cards, then anyone on the queue
        "steps": [
            {"after": 0, "skill": "cards", "min_level": 4},
            {"after": 30, "skill": "cards", "min_level": 2},
            {"after": 90},
        ],
        "wrap_up_seconds": 30,
        "max_wait_seconds": HOUR,
        "overflow_action": "transfer",
        "overflow_queue": "general",
        "vip_boost": 20,
        "repeat_boost": 10,
    },
    {
        "name": "loans",
        "reasons": ["loans"],
        "description": "Loan applications and repayments: calls, e-mails and web forms.",
        "channels": ["voice", "email", "webform"],
        "sl_percent": 80,
        "sl_seconds": 20,
        **WRITTEN,
        "wrap_up_seconds": 120,
        "preferred_agent_hours": 72,  # the adviser who spoke to the customer recently
    },
    {
        "name": "accounts",
        "reasons": ["accounts"],
        "description": "Statements, fees and account questions by e-mail and web form.",
        "channels": ["email", "webform"],
        **WRITTEN,
        "wrap_up_seconds": 60,
    },
    {
        "name": "complaints",
        "reasons": ["complaints"],
        "description": "Complaints: answered sooner, escalated earlier.",
        "channels": ["email", "voice"],
        "sl_percent": 90,
        "sl_seconds": 30,
        "first_response_seconds": 2 * HOUR,
        "next_response_seconds": 4 * HOUR,
        "escalate_at_percent": 50,
        "escalation_boost": 20,
        "wrap_up_seconds": 180,
        "preferred_agent_hours": 168,
        "repeat_boost": 15,
    },
]


@dataclass(frozen=True)
class DemoProfile:
    """A routing profile: its queues as (name, priority, delay in seconds), capacity per
    channel, channels blocked while one of a channel is handled, auto-accepted channels."""

    name: str
    queues: Sequence[tuple[str, int, float]]
    capacity: dict[str, int]
    blocks: dict[str, list[str]] = field(default_factory=dict)
    auto_accept: list[str] = field(default_factory=list)


# Capacity and blocks name the channels the demo's contacts use ("webchat", not "chat").
VOICE_BLOCKS = {"voice": ["webchat", "email", "webform"]}
PROFILES: list[DemoProfile] = [
    DemoProfile(
        "Voice + chat",
        [("cards", 1, 0), ("loans", 2, 0), ("general", 3, 30)],
        {"voice": 1, "webchat": 3},
        VOICE_BLOCKS,
        ["webchat"],  # a chat lands in the agent's hands: no offer that can ring out
    ),
    DemoProfile(
        "Written",
        # general only after ten minutes: the topic queues come first
        [
            ("accounts", 1, 0),
            ("loans", 1, 0),
            ("cards", 2, 0),
            ("complaints", 2, 0),
            ("general", 3, 600),
        ],
        {"email": 5, "webform": 5},
    ),
    DemoProfile(
        "Specialists",
        [("complaints", 1, 0), ("loans", 1, 0), ("cards", 2, 20), ("general", 3, 120)],
        {"voice": 1, "webchat": 3, "email": 5, "webform": 5},
        VOICE_BLOCKS,
    ),
]


@dataclass(frozen=True)
class DemoAgent:
    """How one of the demo's agents (in STAFF order) is set up, and what they do at "now"."""

    profile: str
    skills: dict[str, int]
    state: AgentState
    reason: str | None = None


# everyone starts offline: an agent seeded available or on a break would be a ghost, shown
# on the wallboard as at work with no desk open
AGENTS: list[DemoAgent] = [
    DemoAgent("Voice + chat", {"cards": 5, "accounts": 3, "loans": 2}, AgentState.OFFLINE),
    DemoAgent("Voice + chat", {"cards": 3, "loans": 3}, AgentState.OFFLINE),
    DemoAgent("Written", {"accounts": 5, "loans": 4, "cards": 2}, AgentState.OFFLINE),
    DemoAgent(
        "Specialists",
        {"complaints": 5, "loans": 5, "cards": 4, "accounts": 4},
        AgentState.OFFLINE,
    ),
]

# A demo customer with a contact waiting now whom the bank treats as VIP (the boost shows
# in that contact's routing priority).
VIP_EMAILS = ("szymon.majewski@example.com",)


async def open_routing(work: Work, tenant: Tenant, agents: Sequence[User]) -> None:
    """Set routing up, take the waiting contacts into their queues, set the agents' states."""
    queues = await _create_queues(work, tenant)
    # callbacks customers ask for on the help portal and in the chat wait in "general"
    tenant.settings = {**tenant.settings, "callback_queue_id": str(queues["general"].id)}
    profiles = await _create_profiles(work, tenant, queues)
    staffed = []
    for user, plan in zip(agents, AGENTS, strict=True):
        agent = await routing.get_or_make_agent(work, tenant, user.id)
        profile_id = profiles[plan.profile].id
        await routing.update_agent(
            work, tenant, agent, profile_id=profile_id, skills=plan.skills, clear_profile=False
        )
        staffed.append((user, agent, plan))
    await _mark_vips(work, tenant)
    await run_pass(work, tenant, utcnow())  # admits; nobody has a desk open to offer to
    for user, agent, plan in staffed:
        with _acting(work, user):  # each agent sets their own state, as on the desktop
            await routing.change_state(work, tenant, agent, plan.state, plan.reason)


async def _create_queues(work: Work, tenant: Tenant) -> dict[str, Queue]:
    made: dict[str, Queue] = {}
    for spec in QUEUES:
        fields = dict(spec)
        overflow = fields.pop("overflow_queue", None)
        if overflow is not None:
            fields["overflow_queue_id"] = made[overflow].id
        body = QueueCreate.model_validate(fields)  # checked as the API would check it
        made[body.name] = await routing.create_queue(work, tenant, body.model_dump())
        await work.session.flush()
    return made


async def _create_profiles(
    work: Work, tenant: Tenant, queues: dict[str, Queue]
) -> dict[str, RoutingProfile]:
    made: dict[str, RoutingProfile] = {}
    for spec in PROFILES:
        body = ProfileCreate(
            name=spec.name,
            queues=[
                ProfileQueue(queue_id=queues[q].id, priority=p, delay=d) for q, p, d in spec.queues
            ],
            capacity=spec.capacity,
            blocks=spec.blocks,
            auto_accept=spec.auto_accept,
        )
        made[spec.name] = await routing.create_profile(work, tenant, body.model_dump(mode="json"))
        await work.session.flush()
    return made


async def _mark_vips(work: Work, tenant: Tenant) -> None:
    for email in VIP_EMAILS:
        # the customer is known from the history: this finds them, it creates nobody
        customer, _ = await customers.resolve_customer(
            work, tenant, [IdentityClaim("email", email)]
        )
        await customers.update_customer(work, tenant, customer, CustomerPatch(vip=True))


@contextmanager
def _acting(work: Work, user: User) -> Iterator[None]:
    """Attribute what is recorded meanwhile to this person instead of the seeding system."""
    before = work.actor
    work.actor = Actor(ActorType.USER, user.id)
    try:
        yield
    finally:
        work.actor = before
