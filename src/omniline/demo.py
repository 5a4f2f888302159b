"""The 'Demo Bank' tenant that `omniline serve --demo` seeds, so that a first start has data.

Seeding goes through the services, with the clock moved back to when each contact happened,
and commits once: either the whole demo is there or none of it. A second start finds the
tenant, leaves its data alone, makes sure the admin can log in and makes a fresh API token.
"""

import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from omniline import demo_knowledge, demo_routing
from omniline.audit.keys import load_audit_key
from omniline.auth.permissions import DEFAULT_TOKEN_SCOPES
from omniline.auth.secrets import verify_password
from omniline.auth.service import Principal, create_api_token, tenants_of
from omniline.cases import service as cases
from omniline.channels.base import InboundMessage
from omniline.channels.webchat.settings import WebchatConfig, read_settings, save_settings
from omniline.config import Settings
from omniline.customers.service import IdentityClaim
from omniline.inbound import service as inbound
from omniline.interactions import service as interactions
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.clock import get_clock, set_clock, utcnow
from omniline.kit.db import make_engine, make_sessionmaker
from omniline.kit.ids import new_id
from omniline.models import (
    AuthorKind,
    Case,
    CaseStatus,
    ContactReason,
    DeliveryStatus,
    Direction,
    Interaction,
    InteractionStatus,
    Tenant,
    User,
)
from omniline.reasons import service as reasons
from omniline.tenants.service import create_tenant, get_tenant
from omniline.users.service import add_membership, create_user, get_user_by_email, set_password

DEMO_SLUG = "demo-bank"
DEMO_NAME = "Demo Bank"
DEMO_TIMEZONE = "Europe/Warsaw"
DEMO_PASSWORD = "omniline-demo"
ADMIN_EMAIL = "admin@demo.bank"

# (e-mail, name, role); everyone has DEMO_PASSWORD
STAFF: list[tuple[str, str, str]] = [
    (ADMIN_EMAIL, "Anna Nowak", "admin"),
    ("supervisor@demo.bank", "Piotr Zieliński", "supervisor"),
    ("agent1@demo.bank", "Katarzyna Wójcik", "agent"),
    ("agent2@demo.bank", "Michał Kamiński", "agent"),
    ("agent3@demo.bank", "Julia Lewandowska", "agent"),
    ("agent4@demo.bank", "Daniel Cohen", "agent"),
    ("planner@demo.bank", "Tomasz Mazur", "planner"),
]

# ready answers on the desk (tenant setting `canned_responses`)
CANNED: list[dict[str, str]] = [
    {"title": "Greeting", "text": "Hello, thank you for contacting Demo Bank. How can I help?"},
    {
        "title": "Card blocked",
        "text": "I have blocked your card. A new one will reach you in 5 to 7 working days.",
    },
    {
        "title": "Identity check",
        "text": "Before we go on, please confirm your date of birth and the last 4 digits "
        "of your card.",
    },
    {"title": "Closing", "text": "Is there anything else I can do for you today?"},
]

# (code, name, parent code)
# code, English name, parent, names in the portal's other languages
REASONS: list[tuple[str, str, str | None, dict[str, str]]] = [
    ("cards", "Cards", None, {"pl": "Karty", "ru": "Карты"}),
    ("cards.blocked", "Blocked card", "cards",
     {"pl": "Zablokowana karta", "ru": "Заблокированная карта"}),
    ("cards.lost", "Lost or stolen card", "cards",
     {"pl": "Zgubiona lub skradziona karta", "ru": "Потерянная или украденная карта"}),
    ("loans", "Loans", None, {"pl": "Kredyty", "ru": "Кредиты"}),
    ("loans.application", "Loan application", "loans",
     {"pl": "Wniosek o kredyt", "ru": "Заявка на кредит"}),
    ("loans.repayment", "Loan repayment", "loans",
     {"pl": "Spłata kredytu", "ru": "Погашение кредита"}),
    ("accounts", "Accounts", None, {"pl": "Konta", "ru": "Счета"}),
    ("accounts.statement", "Account statement", "accounts",
     {"pl": "Wyciąg z konta", "ru": "Выписка по счёту"}),
    ("accounts.fees", "Fees and charges", "accounts",
     {"pl": "Opłaty i prowizje", "ru": "Комиссии и платежи"}),
    ("complaints", "Complaints", None, {"pl": "Reklamacje", "ru": "Жалобы"}),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    name: str
    email: str
    phone: str  # E.164

    @property
    def first_name(self) -> str:
        """How agents greet them."""
        return self.name.split()[0]


CUSTOMERS: list[DemoCustomer] = [
    DemoCustomer("Maja Kowalska", "maja.kowalska@example.com", "+48501234567"),
    DemoCustomer("Jan Nowicki", "jan.nowicki@example.com", "+48602118940"),
    DemoCustomer("Noa Levi", "noa.levi@example.org", "+48793402118"),
    DemoCustomer("Zofia Wiśniewska", "zofia.w@example.net", "+48881230774"),
    DemoCustomer("Adam Szymański", "adam.szymanski@example.com", "+48661905312"),
    DemoCustomer("Lena Dąbrowska", "lena.dabrowska@example.com", "+48517884201"),
    DemoCustomer("Oliver Grant", "oliver.grant@example.co.uk", "+48728316540"),
    DemoCustomer("Hanna Kozłowska", "hanna.k@example.com", "+48504771209"),
    DemoCustomer("Wojciech Jankowski", "w.jankowski@example.org", "+48609342871"),
    DemoCustomer("Amelia Wojciechowska", "amelia.w@example.com", "+48790125638"),
    DemoCustomer("Yosef Mizrahi", "yosef.mizrahi@example.net", "+48883467120"),
    DemoCustomer("Natalia Kwiatkowska", "natalia.kw@example.com", "+48665013498"),
    DemoCustomer("Krzysztof Krawczyk", "k.krawczyk@example.com", "+48512640375"),
    DemoCustomer("Alicja Piotrowska", "alicja.p@example.org", "+48724590816"),
    DemoCustomer("Marek Grabowski", "marek.grabowski@example.com", "+48506237194"),
    DemoCustomer("Tamar Friedman", "tamar.f@example.com", "+48691408253"),
    DemoCustomer("Paweł Zając", "pawel.zajac@example.net", "+48795362047"),
    DemoCustomer("Ewa Pawłowska", "ewa.pawlowska@example.com", "+48886120459"),
    DemoCustomer("Igor Michalski", "igor.michalski@example.com", "+48668274015"),
    DemoCustomer("Oliwia Król", "oliwia.krol@example.org", "+48513908264"),
    DemoCustomer("David Russo", "david.russo@example.it", "+48730481596"),
    DemoCustomer("Gabriela Wieczorek", "gabi.wieczorek@example.com", "+48507315928"),
    DemoCustomer("Stanisław Jabłoński", "s.jablonski@example.com", "+48604829137"),
    DemoCustomer("Maria Nowakowska", "maria.nowakowska@example.net", "+48797650382"),
    DemoCustomer("Szymon Majewski", "szymon.majewski@example.com", "+48884539016"),
]


@dataclass(frozen=True)
class DemoSpec:
    """Which bank to seed: the demo's own, or another one beside it (the browser tests give
    every test its own, so that no test sees another's contacts, agents or hours)."""

    slug: str = DEMO_SLUG
    name: str = DEMO_NAME
    domain: str = "demo.bank"  # the staff's e-mail domain: people are installation-wide
    always_open: bool = False  # open around the clock instead of the bank's business hours
    story: bool = True  # the fortnight of contacts before now, some still waiting

    def staff(self) -> list[tuple[str, str, str]]:
        """STAFF, with addresses at this bank's domain."""
        return [(f"{e.split('@')[0]}@{self.domain}", name, role) for e, name, role in STAFF]

    def email(self, who: str) -> str:
        """The address of one of the staff: `email("agent3")`."""
        return f"{who}@{self.domain}"


@dataclass(frozen=True)
class DemoInfo:
    """What a person needs to start using the demo."""

    tenant_slug: str
    tenant_name: str
    admin_email: str
    password: str
    api_token: str
    seeded: bool  # True when this start created the data, False when it was already there
    staff: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, role)


async def seed_demo(settings: Settings) -> DemoInfo:
    """Create the Demo Bank tenant once; on every start, check the admin and make an API token."""
    engine = make_engine(settings.db_url, synchronous=settings.sqlite_synchronous)
    try:
        work = Work(make_sessionmaker(engine)(), audit_key=load_audit_key(settings))
        try:
            tenant = await get_tenant(work.session, DEMO_SLUG)
            seeded = tenant is None
            if tenant is None:
                tenant = await _seed(work, DemoSpec())
            await _ensure_admin_login(work, tenant)
            await _ensure_webchat(work, tenant)
            token, _ = await create_api_token(
                work, tenant, f"demo {utcnow():%Y-%m-%d %H:%M}", DEFAULT_TOKEN_SCOPES
            )
            await work.commit()
        finally:
            await work.session.close()
    finally:
        await engine.dispose()
    return DemoInfo(
        DEMO_SLUG,
        DEMO_NAME,
        ADMIN_EMAIL,
        DEMO_PASSWORD,
        token,
        seeded,
        [(email, role) for email, _, role in STAFF],
    )


def print_demo(info: DemoInfo, host: str, port: int) -> None:
    """Tell the person at the terminal where the demo is and how to get in."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    url = f"http://{shown}:{port}"
    state = "seeded just now" if info.seeded else "already there, left as it was"
    staff = "\n".join(f"    {email:<24} {role}" for email, role in info.staff)
    print(
        f"""
Omniline demo: tenant '{info.tenant_name}' ({info.tenant_slug}), {state}

  Open:       {url}
  API docs:   {url}/docs
  Web chat:   {url}/demo/site   (a sample company site: chat as a customer there)
  Log in as:  {info.admin_email}
  Password:   {info.password}   (every demo person has it)
{staff}
  API token:  {info.api_token}

Send a message in as a customer would:

  curl -X POST {url}/api/v1/inbound \\
    -H 'Authorization: Bearer {info.api_token}' \\
    -H 'Content-Type: application/json' \\
    -d '{{"channel": "webform", "external_id": "form-{uuid.uuid4().hex[:8]}",
         "sender": {{"name": "Ada Lovelace",
                    "identities": [{{"kind": "email", "value": "ada@example.com"}},
                                   {{"kind": "phone", "value": "+48 600 100 200"}}]}},
         "subject": "Card blocked", "body": "My card was blocked at an ATM.",
         "reason": "cards.blocked"}}'
""",
        flush=True,
    )


async def _ensure_admin_login(work: Work, tenant: Tenant) -> None:
    """The demo admin exists, is active, has the demo password and is admin of the tenant."""
    email, name, role = STAFF[0]
    user = await get_user_by_email(work.session, email)
    if user is None:
        user = await create_user(work, email=email, name=name, password=DEMO_PASSWORD)
    elif not verify_password(user.password_hash, DEMO_PASSWORD):
        await set_password(work, user, DEMO_PASSWORD)
    user.is_active = True
    await work.session.flush()
    principal = Principal(actor=Actor(ActorType.USER, user.id), user=user)
    held = {t.id: r.name for t, r in await tenants_of(work.session, principal)}
    if held.get(tenant.id) != role:
        await add_membership(work, tenant, user, role)


async def _ensure_webchat(work: Work, tenant: Tenant) -> None:
    """The web chat is on for the sample site at /demo/site (this server's own origin is
    always allowed, on any port; 127.0.0.1:8000 and localhost:8000 are listed too)."""
    if read_settings(tenant).enabled:
        return
    config = WebchatConfig(
        enabled=True,
        allowed_origins=["http://127.0.0.1:8000", "http://localhost:8000"],
        topics=["cards.blocked", "cards.lost", "loans.application", "accounts.fees", "complaints"],
    )
    await save_settings(work, tenant, config, rotate_secret=True)


async def seed_bank(work: Work, spec: DemoSpec) -> Tenant:
    """Seed a bank like the demo's beside it, with its web chat on; the caller commits."""
    tenant = await _seed(work, spec)
    await _ensure_webchat(work, tenant)
    return tenant


async def _seed(work: Work, spec: DemoSpec) -> Tenant:
    """Create the tenant, its taxonomy and its contact history, with the clock in the past."""
    now = utcnow()
    clock = _Clock(now - timedelta(days=15))
    before = get_clock()
    set_clock(clock.now)
    try:
        tenant = await create_tenant(
            work,
            slug=spec.slug,
            name=spec.name,
            timezone=DEMO_TIMEZONE,
            default_region="PL",
            business_calendar=_ALWAYS_OPEN if spec.always_open else _business_calendar(now.year),
        )
        tenant.settings = {**tenant.settings, "canned_responses": CANNED}
        codes = await _create_reasons(work, tenant)
        agents = await _create_agents(work, tenant, spec)
        await demo_knowledge.seed_knowledge(work, tenant, codes, editor_email=spec.staff()[1][0])
        seeder = _Seeder(work, tenant, agents, codes)
        for at, step, story in _timeline(_stories(now) if spec.story else [], now):
            clock.at = at
            await step.run(seeder, story)
        clock.at = now
        await demo_routing.open_routing(work, tenant, agents)
    finally:
        set_clock(before)
    return tenant


@dataclass
class _Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at


_ALWAYS_OPEN: dict[str, object] = {}  # a calendar with no week is open around the clock


def _business_calendar(year: int) -> dict[str, object]:
    weekday = [["08:00", "20:00"]]
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), weekday)
    fixed = ("01-01", "01-06", "05-01", "05-03", "08-15", "11-01", "11-11", "12-25", "12-26")
    holidays = [f"{y}-{md}" for y in (year, year + 1) for md in fixed]
    return {"week": {**week, "sat": [["09:00", "14:00"]], "sun": []}, "holidays": holidays}


async def _create_reasons(work: Work, tenant: Tenant) -> dict[str, ContactReason]:
    made: dict[str, ContactReason] = {}
    for code, name, parent, names in REASONS:
        parent_id = made[parent].id if parent else None
        made[code] = await reasons.create_reason(
            work, tenant, code=code, name=name, names=names, parent_id=parent_id
        )
        await work.session.flush()
    return made


async def _create_agents(work: Work, tenant: Tenant, spec: DemoSpec) -> list[User]:
    """Create the staff; people who exist already (from an earlier install) keep their login."""
    agents = []
    for email, name, role in spec.staff():
        user = await get_user_by_email(work.session, email)
        if user is None:
            user = await create_user(work, email=email, name=name, password=DEMO_PASSWORD)
            await work.session.flush()
        await add_membership(work, tenant, user, role)
        if role == "agent":
            agents.append(user)
    return agents


# --- the contact history -------------------------------------------------------------------


@dataclass
class _Seeder:
    work: Work
    tenant: Tenant
    agents: list[User]
    reasons: dict[str, ContactReason]


@dataclass
class _Story:
    """One customer's issue: steps at offsets from its start, and what they opened."""

    customer: DemoCustomer
    start: datetime
    reason: str | None
    steps: list["_Step"]
    thread: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    case: Case | None = None
    open: dict[str, Interaction] = field(default_factory=dict)

    @property
    def queue(self) -> str:
        """The queue the contact waits in: named after the top-level reason (demo_routing)."""
        return self.reason.split(".")[0] if self.reason else "general"


class _Step(Protocol):
    at: timedelta

    async def run(self, seeder: _Seeder, story: _Story) -> None: ...


@dataclass
class In:
    """The customer writes, calls or walks in."""

    at: timedelta
    channel: str
    body: str
    subject: str = ""

    async def run(self, seeder: _Seeder, story: _Story) -> None:
        work, tenant, who = seeder.work, seeder.tenant, story.customer
        claims = [IdentityClaim("phone", who.phone)]
        if self.channel != "voice":
            claims.insert(0, IdentityClaim("email", who.email))
        message = InboundMessage(
            channel=self.channel,
            external_id=_external_id(self.channel),
            sender=claims,
            sender_name=who.name,
            body=self.body,
            subject=self.subject,
            thread_ref=f"{self.channel}-{story.thread}" if self.channel != "branch" else None,
            reason_code=story.reason,
            # a branch visit is written down by the staff there, for the customer
            registered_by=seeder.agents[0].id if self.channel in STAFF_CHANNELS else None,
        )
        landed = await inbound.accept(work, tenant, message)
        interaction = await interactions.get_interaction_or_raise(
            work, tenant, landed.interaction_id
        )
        story.case = await cases.get_case_or_raise(work, tenant, landed.case_id)
        story.open[self.channel] = interaction
        if landed.new_interaction:
            interaction.queue = story.queue
            interactions.step(work, tenant, interaction, "queued")


STAFF_CHANNELS = ("branch", "post")  # contacts staff register on the customer's behalf


@dataclass
class Reply:
    """An agent answers on the channel the customer used."""

    at: timedelta
    channel: str
    agent: int
    body: str
    note: bool = False  # an internal note (call notes, branch notes) instead of a reply

    async def run(self, seeder: _Seeder, story: _Story) -> None:
        work, tenant = seeder.work, seeder.tenant
        agent = seeder.agents[self.agent % len(seeder.agents)]
        interaction = story.open[self.channel]
        if interaction.status in (InteractionStatus.CREATED, InteractionStatus.QUEUED):
            now = utcnow()
            interactions.step(work, tenant, interaction, "offered", now=now - timedelta(seconds=9))
            interactions.step(work, tenant, interaction, "answered", data={"agent_id": agent.id})
            interaction.agent_id = agent.id
        message = interactions.add_message(
            work,
            tenant,
            interaction,
            interactions.NewMessage(
                direction=Direction.OUTBOUND,
                author_kind=AuthorKind.AGENT,
                author_id=agent.id,
                body=self.body,
                internal=self.note,
            ),
        )
        if not self.note:
            message.delivery_status = DeliveryStatus.DELIVERED  # long since, in the demo
        assert story.case is not None
        if story.case.status is CaseStatus.NEW:
            await cases.set_status(work, tenant, story.case, CaseStatus.OPEN)


@dataclass
class End:
    """The contact is over; the agent wraps it up a minute later."""

    at: timedelta
    channel: str

    async def run(self, seeder: _Seeder, story: _Story) -> None:
        work, tenant = seeder.work, seeder.tenant
        interaction = story.open.pop(self.channel)
        interactions.step(work, tenant, interaction, "ended")
        if interaction.answered_at is not None:
            assert story.case is not None
            interaction.reason_id = story.case.reason_id
            wrapped = utcnow() + timedelta(minutes=1)
            interactions.step(work, tenant, interaction, "wrapped_up", now=wrapped)


@dataclass
class Status:
    """The case moves on: pending, resolved, closed."""

    at: timedelta
    status: CaseStatus

    async def run(self, seeder: _Seeder, story: _Story) -> None:
        assert story.case is not None
        await cases.set_status(seeder.work, seeder.tenant, story.case, self.status)


def _external_id(channel: str) -> str:
    if channel == "email":
        return f"<{new_id().hex}@mail.example.com>"
    return f"{channel}-{new_id().hex}"


def _m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _timeline(stories: Sequence[_Story], now: datetime) -> list[tuple[datetime, _Step, _Story]]:
    """Every step of every story in time order; a story running into the future moves back."""
    timeline: list[tuple[datetime, _Step, _Story]] = []
    for story in stories:
        last = story.start + max(s.at for s in story.steps)
        shift = max(timedelta(0), last - (now - _m(10)))
        timeline.extend((story.start - shift + s.at, s, story) for s in story.steps)
    timeline.sort(key=lambda item: item[0])
    return timeline


def _local(now: datetime, days_ago: int, hour: int, minute: int) -> datetime:
    """A past weekday at a local time of the demo tenant, in UTC."""
    tz = zoneinfo.ZoneInfo(DEMO_TIMEZONE)
    day: date = now.astimezone(tz).date() - timedelta(days=days_ago)
    if day.weekday() == 6:  # the bank is closed on Sundays
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)


def _cross_channel(c: DemoCustomer, start: datetime, agent: int) -> _Story:
    """Web form, then a phone call, then a branch visit: one case across three channels."""
    steps: list[_Step] = [
        In(
            _m(0),
            "webform",
            "My card was blocked after I typed the wrong PIN three times at an ATM. "
            "Can you unblock it? I am travelling on Friday.",
            "Card blocked",
        ),
        Reply(
            _m(34),
            "webform",
            agent,
            f"Hello {c.first_name}, we are sorry for the trouble. For your safety a card "
            "locked by a wrong PIN cannot be unlocked over the web form: please call us "
            "at +48 22 100 20 30 so that we can check your identity.",
        ),
        End(_m(36), "webform"),
        In(_h(3), "voice", "Incoming call"),
        Reply(
            _h(3) + _m(1),
            "voice",
            agent + 1,
            "Caller verified by security questions. PIN lock cannot be lifted remotely; "
            "customer will visit the Marszałkowska branch tomorrow with an ID.",
            note=True,
        ),
        End(_h(3) + _m(8), "voice"),
        In(_h(22), "branch", "Came to the branch with an ID to unlock the card."),
        Reply(
            _h(22) + _m(12),
            "branch",
            agent + 2,
            "ID checked, PIN reset at the terminal, card unlocked and tested.",
            note=True,
        ),
        End(_h(22) + _m(15), "branch"),
        Status(_h(22) + _m(16), CaseStatus.RESOLVED),
        Status(_h(70), CaseStatus.CLOSED),
    ]
    return _Story(c, start, "cards.blocked", steps)


EMAIL_TOPICS: list[tuple[str, str, str, str]] = [
    (
        "accounts.statement",
        "Statement for my tax return",
        "Could you send me the account statement for the whole of last year? I need it "
        "for my tax return.",
        "The statement is now in your online banking under Documents; we also sent it "
        "to this address as a PDF.",
    ),
    (
        "accounts.fees",
        "Why was I charged 15 zł?",
        "There is a 15 zł fee on my account this month that I do not understand.",
        "The fee is for the paper statements. We have switched you to e-statements and "
        "refunded this month's fee.",
    ),
    (
        "loans.repayment",
        "Early repayment of my car loan",
        "I would like to repay my car loan early. How much would that be and is there a fee?",
        "There is no fee for early repayment. The amount to repay today is 18 240 zł; "
        "the exact figure is in the attached letter.",
    ),
    (
        "loans.application",
        "Status of my loan application",
        "I applied for a personal loan last week. Is there any news?",
        "Your application was approved yesterday; the agreement is waiting for your "
        "signature in online banking.",
    ),
]


def _email_resolved(c: DemoCustomer, start: datetime, agent: int, topic: int) -> _Story:
    """An e-mail, an answer, a thank-you; resolved, then closed two days later."""
    reason, subject, question, answer = EMAIL_TOPICS[topic % len(EMAIL_TOPICS)]
    steps: list[_Step] = [
        In(_m(0), "email", question, subject),
        Reply(_h(1) + _m(25), "email", agent, f"Dear {c.first_name},\n\n{answer}\n\nDemo Bank"),
        End(_h(1) + _m(27), "email"),
        In(_h(5), "email", "Thank you, that is all I needed.", f"Re: {subject}"),
        End(_h(5) + _m(2), "email"),
        Status(_h(5) + _m(3), CaseStatus.RESOLVED),
        Status(_h(50), CaseStatus.CLOSED),
    ]
    return _Story(c, start, reason, steps)


def _webchat_lost_card(c: DemoCustomer, start: datetime, agent: int) -> _Story:
    """A quick chat: the card is blocked and a new one ordered while the customer waits."""
    steps: list[_Step] = [
        In(_m(0), "webchat", "Hi, I think I left my card in a taxi last night."),
        Reply(
            _m(1.5),
            "webchat",
            agent,
            f"Hello {c.first_name}, I have blocked the card now so nobody can use it. "
            "Shall I order a new one to your home address?",
        ),
        In(_m(3), "webchat", "Yes please, same address."),
        Reply(_m(4), "webchat", agent, "Done: the new card arrives in 5 to 7 working days."),
        In(_m(5), "webchat", "Great, thanks!"),
        End(_m(6), "webchat"),
        Status(_m(7), CaseStatus.RESOLVED),
    ]
    return _Story(c, start, "cards.lost", steps)


def _voice_loan(c: DemoCustomer, start: datetime, agent: int) -> _Story:
    """A call about a mortgage; the case waits for the customer's documents."""
    steps: list[_Step] = [
        In(_m(0), "voice", "Incoming call"),
        Reply(
            _m(1),
            "voice",
            agent,
            "Asked about a mortgage of about 600 000 zł over 25 years. Explained the "
            "documents needed; customer will upload payslips this week.",
            note=True,
        ),
        End(_m(11), "voice"),
        Status(_m(13), CaseStatus.PENDING),
    ]
    return _Story(c, start, "loans.application", steps)


def _complaint(c: DemoCustomer, start: datetime, agent: int) -> _Story:
    """A complaint by e-mail, a promise, and the customer calling to chase it."""
    steps: list[_Step] = [
        In(
            _m(0),
            "email",
            "I was charged twice for the same purchase at the supermarket on Monday. "
            "This is the second time this year and I am not happy.",
            "Charged twice",
        ),
        Reply(
            _h(2),
            "email",
            agent,
            f"Dear {c.first_name},\n\nwe are sorry. We have opened a dispute with the "
            "merchant and will come back to you within 5 working days.\n\nDemo Bank",
        ),
        End(_h(2) + _m(2), "email"),
        Status(_h(2) + _m(3), CaseStatus.PENDING),
        In(_h(26), "voice", "Incoming call"),
        Reply(
            _h(26) + _m(1),
            "voice",
            agent + 1,
            "Customer chased the double charge. Dispute still open with the merchant; "
            "promised a call back when it is settled.",
            note=True,
        ),
        End(_h(26) + _m(6), "voice"),
    ]
    return _Story(c, start, "complaints", steps)


WAITING: list[tuple[str, str | None, str, str]] = [
    ("webform", "cards.blocked", "Card blocked", "My card does not work in online shops."),
    ("email", "loans.repayment", "Repayment date", "Can I move my instalment to the 15th?"),
    ("webchat", None, "", "Hello, is anyone there? I have a question about my account."),
    ("email", "accounts.fees", "Card fee", "Why do I pay a monthly fee for my card?"),
    ("webform", "loans.application", "Loan", "I would like to apply for a loan for a car."),
]


def _waiting(c: DemoCustomer, start: datetime, which: int) -> _Story:
    """A contact that just came in and waits in its queue."""
    channel, reason, subject, body = WAITING[which % len(WAITING)]
    return _Story(c, start, reason, [In(_m(0), channel, body, subject)])


def _stories(now: datetime) -> list[_Story]:
    """About two weeks of contacts of 25 customers, some of whom come back."""
    cs = CUSTOMERS
    stories = [
        _cross_channel(cs[0], _local(now, 9, 9, 12), 0),
        _cross_channel(cs[1], _local(now, 6, 14, 40), 1),
        _cross_channel(cs[2], _local(now, 3, 11, 5), 2),
    ]
    for i, days in enumerate((13, 11, 8, 6, 4, 2)):
        stories.append(_email_resolved(cs[3 + i], _local(now, days, 8 + i, 15 + 7 * i), i, i))
    for i, days in enumerate((10, 7, 3, 1)):
        stories.append(_webchat_lost_card(cs[9 + i], _local(now, days, 19, 5 * i), i + 1))
    for i, days in enumerate((12, 5, 2, 1)):
        stories.append(_voice_loan(cs[13 + i], _local(now, days, 10 + 2 * i, 30), i + 2))
    for i, days in enumerate((8, 4, 2)):
        stories.append(_complaint(cs[17 + i], _local(now, days, 12 + i, 10), i + 3))
    # contacts waiting now, two of them from customers who were here before
    waiting = [cs[20], cs[21], cs[22], cs[23], cs[24], cs[3], cs[9]]
    for i, customer in enumerate(waiting):
        stories.append(_waiting(customer, now - _m(25 + 41 * i), i))
    return stories
