"""Case status for customers: proof of ownership, rate limits, the public view, a reply.

A customer proves a case is theirs with a signed link the contact center sent them, or with
a one-time code sent to an address the case's customer is known by (`codes`): knowing the
number and the address is not enough. Every failure looks the same and failures are counted
per client address and per case number, so guessing runs into the limit quickly.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from omniline.cases import service as cases
from omniline.customers import service as customers
from omniline.customers.identities import IdentityKind, normalize
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import DomainError, InvalidInput, NotFound, TooManyRequests
from omniline.kit.ids import new_id
from omniline.knowledge.text import plain_text
from omniline.models import (
    AuthorKind,
    Case,
    CaseLookup,
    CaseStatus,
    CustomerIdentity,
    Direction,
    Interaction,
    Message,
    Tenant,
)

LINK_DAYS = 30
SESSION_MINUTES = 60
FAILURE_WINDOW = timedelta(minutes=15)
CLIENT_FAILURES = 10  # per client address in the window
NUMBER_FAILURES = 5  # per case number in the window
STATUS_CHANNEL = "webform"
MESSAGE_LIMIT = 5000


class LookupFailed(DomainError):
    """The case number and contact detail do not belong together (or either is unknown)."""

    status_code = 404
    code = "not_found"


@dataclass(frozen=True)
class Proof:
    """A case the visitor has proven is theirs, and the identity they proved it with."""

    case_id: uuid.UUID
    customer_id: uuid.UUID


class Signer:
    """Signed, expiring tokens: links sent to customers, and the session after a lookup."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def _serializer(self, tenant: Tenant, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"omniline.{purpose}.{tenant.id}")

    def link(self, tenant: Tenant, case: Case) -> str:
        """A token for a link to the case's status page (valid LINK_DAYS)."""
        return self._serializer(tenant, "case-link").dumps([str(case.id), str(case.customer_id)])

    def session(self, tenant: Tenant, proof: Proof) -> str:
        """A token for the visitor's cookie after a lookup (valid SESSION_MINUTES)."""
        data = [str(proof.case_id), str(proof.customer_id)]
        return self._serializer(tenant, "case-session").dumps(data)

    def code_cookie(self, tenant: Tenant, code_id: uuid.UUID) -> str:
        """A token for the visitor's cookie naming the code they were sent."""
        return self._serializer(tenant, "case-code").dumps(str(code_id))

    def read_code_cookie(self, tenant: Tenant, token: str) -> uuid.UUID | None:
        try:
            raw = self._serializer(tenant, "case-code").loads(token, max_age=SESSION_MINUTES * 60)
            return uuid.UUID(str(raw))
        except (BadSignature, SignatureExpired, ValueError, TypeError):
            return None

    def read_link(self, tenant: Tenant, token: str) -> Proof | None:
        return self._read(tenant, "case-link", token, LINK_DAYS * 86400)

    def read_session(self, tenant: Tenant, token: str) -> Proof | None:
        return self._read(tenant, "case-session", token, SESSION_MINUTES * 60)

    def _read(self, tenant: Tenant, purpose: str, token: str, max_age: int) -> Proof | None:
        try:
            data = self._serializer(tenant, purpose).loads(token, max_age=max_age)
            return Proof(uuid.UUID(data[0]), uuid.UUID(data[1]))
        except (BadSignature, SignatureExpired, ValueError, TypeError, IndexError):
            return None


async def _failures(work: Work, tenant: Tenant, since: datetime, *where: object) -> int:
    found = await work.session.scalar(
        select(func.count())
        .select_from(CaseLookup)
        .where(
            CaseLookup.tenant_id == tenant.id,
            CaseLookup.created_at >= since,
            CaseLookup.succeeded.is_(False),
            *where,  # type: ignore[arg-type]
        )
    )
    return int(found or 0)


async def check_rate(work: Work, tenant: Tenant, client: str, number: int | None) -> None:
    """429 once a client, or a case number, has failed too often in the last minutes."""
    since = utcnow() - FAILURE_WINDOW
    too_many = TooManyRequests(
        "too many attempts: wait 15 minutes, or use the link we sent you",
        retry_after=int(FAILURE_WINDOW.total_seconds()),
    )
    if await _failures(work, tenant, since, CaseLookup.client == client) >= CLIENT_FAILURES:
        raise too_many
    if number is not None and (
        await _failures(work, tenant, since, CaseLookup.case_number == number) >= NUMBER_FAILURES
    ):
        raise too_many


def contact_identity(tenant: Tenant, contact: str) -> tuple[str, str] | None:
    """The identity a visitor typed: an e-mail address or a phone number, normalised."""
    contact = contact.strip()
    kind = IdentityKind.EMAIL if "@" in contact else IdentityKind.PHONE
    try:
        return kind.value, normalize(kind, contact, tenant.default_region or "US")
    except InvalidInput:
        return None


async def match(work: Work, tenant: Tenant, number: int, kind: str, value: str) -> Proof | None:
    """The case with this number if its customer is known by this identity (not yet proof:
    the visitor must show they control it, see `codes`)."""
    row = (
        await work.session.execute(
            select(Case.id, Case.customer_id)
            .join(
                CustomerIdentity,
                (CustomerIdentity.customer_id == Case.customer_id)
                & (CustomerIdentity.tenant_id == Case.tenant_id),
            )
            .where(
                Case.tenant_id == tenant.id,
                Case.number == number,
                CustomerIdentity.kind == kind,
                CustomerIdentity.value == value,
            )
            .limit(1)
        )
    ).first()
    return Proof(row[0], row[1]) if row is not None else None


async def proven_case(work: Work, tenant: Tenant, proof: Proof) -> Case:
    """The case a proof names, if it still belongs to that customer (merges keep it theirs)."""
    case = await cases.get_case_or_raise(work, tenant, proof.case_id)
    customer = await customers.get_customer_or_raise(work, tenant, proof.customer_id)
    owner = await customers.surviving_customer(work, tenant, customer)
    if case.customer_id not in (proof.customer_id, owner.id):
        raise NotFound("case not found")
    return case


@dataclass(frozen=True)
class PublicMessage:
    at: datetime
    author: AuthorKind  # who wrote it: the customer, staff for them, an agent, a bot
    text: str

    @property
    def from_customer(self) -> bool:
        """Written by the customer themselves (staff writing for them is not)."""
        return self.author == AuthorKind.CUSTOMER


# what the customer sees of a case: never internal notes nor the system's own notes
PUBLIC_AUTHORS = (AuthorKind.CUSTOMER, AuthorKind.STAFF, AuthorKind.AGENT, AuthorKind.BOT)


@dataclass(frozen=True)
class CaseView:
    number: int
    subject: str
    status: CaseStatus
    opened_at: datetime
    last_activity_at: datetime
    messages: list[PublicMessage]


async def view(work: Work, tenant: Tenant, case: Case, *, via: str) -> CaseView:
    """What the customer may see of their case: status and the messages that were not
    internal notes (as plain text). The access is audited."""
    rows = await work.session.scalars(
        select(Message)
        .join(Interaction, Interaction.id == Message.interaction_id)
        .where(
            Interaction.tenant_id == tenant.id,
            Interaction.case_id == case.id,
            Message.internal.is_(False),
            Message.author_kind.in_(PUBLIC_AUTHORS),
        )
        .order_by(Message.created_at, Message.id)
    )
    messages = [
        PublicMessage(
            m.created_at,
            AuthorKind(m.author_kind),
            plain_text(m.body) if "html" in m.content_type else m.body,
        )
        for m in rows
    ]
    work.audit(tenant.id, "case.status_viewed", "case", case.id, {"via": via})
    return CaseView(
        case.number, case.subject, case.status, case.created_at, case.last_activity_at, messages
    )


async def add_message(work: Work, tenant: Tenant, case: Case, proof: Proof, body: str) -> Message:
    """The customer's message joins the case (a resolved or closed case opens again)."""
    body = body.strip()
    if not body:
        raise InvalidInput("write a message first")
    if len(body) > MESSAGE_LIMIT:
        raise InvalidInput(f"the message is longer than {MESSAGE_LIMIT} characters")
    customer = await customers.get_customer_or_raise(work, tenant, case.customer_id)
    thread = f"case-status:{case.id}"
    interaction = await interactions.find_open_interaction(
        work.session, tenant.id, customer.id, STATUS_CHANNEL, thread
    )
    if interaction is None:
        interaction = interactions.open_interaction(
            work,
            tenant,
            customer,
            case,
            channel=STATUS_CHANNEL,
            direction=Direction.INBOUND,
            thread_ref=thread,
            subject=case.subject,
        )
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.PENDING):
        await cases.set_status(work, tenant, case, CaseStatus.OPEN)
    case.last_activity_at = utcnow()
    return interactions.add_message(
        work,
        tenant,
        interaction,
        interactions.NewMessage(
            direction=Direction.INBOUND,
            author_kind=AuthorKind.CUSTOMER,
            body=body,
            external_id=f"case-status:{new_id()}",
        ),
    )
