"""The e-mail summary of a conversation: an agent moves a contact to e-mail (issue 6).

The summary is a new outbound e-mail interaction in the same case, finished at once (the
agent's part is done when it is queued); its message goes out through the `messages.send`
job, so the request never waits on SMTP and a committed summary is always sent.
"""

import html
import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo

import nh3

from omniline.cases import service as cases
from omniline.channels.email import repository
from omniline.channels.email.mime import message_id_for
from omniline.channels.email.settings import CHANNEL, get_sending_account_or_raise
from omniline.customers import service as customers
from omniline.customers.identities import IdentityKind
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput
from omniline.models import (
    AuthorKind,
    Case,
    Customer,
    CustomerIdentity,
    Interaction,
    Message,
    Tenant,
    User,
)
from omniline.tenants import service as tenants

# a conversation longer than this is summarised by its first messages
MESSAGE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Draft:
    """The summary as it would go out: recipient, subject and text."""

    to: CustomerIdentity | None
    addresses: list[CustomerIdentity]
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Queued:
    """A summary stored and queued for sending."""

    interaction: Interaction
    message: Message
    to: CustomerIdentity
    subject: str


async def draft(work: Work, tenant: Tenant, source: Interaction) -> Draft:
    """The default summary of an interaction: to the customer's first address, every public
    message with its time, never internal notes."""
    customer = await customers.get_customer_or_raise(work, tenant, source.customer_id)
    case = await cases.get_case_or_raise(work, tenant, source.case_id)
    return await _draft(work, tenant, source, customer, case)


async def _draft(
    work: Work, tenant: Tenant, source: Interaction, customer: Customer, case: Case
) -> Draft:
    addresses = await email_addresses(work, customer)
    return Draft(
        to=addresses[0] if addresses else None,
        addresses=addresses,
        subject=f"Summary of your conversation with {tenant.name} (case {case.number})",
        body=await summary_text(work, tenant, customer, source),
    )


async def email_addresses(work: Work, customer: Customer) -> list[CustomerIdentity]:
    """The customer's e-mail addresses, verified ones first, then oldest first."""
    rows = await customers.identities_of(work.session, [customer.id])
    found = [r for r in rows if r.kind == IdentityKind.EMAIL]
    return sorted(found, key=lambda r: not r.verified)


async def send_summary(
    work: Work,
    tenant: Tenant,
    source: Interaction,
    *,
    to: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> Queued:
    """Store the summary as a new e-mail interaction of the same case and queue it."""
    account = await get_sending_account_or_raise(work, tenant)
    customer = await customers.get_customer_or_raise(work, tenant, source.customer_id)
    case = await cases.get_case_or_raise(work, tenant, source.case_id)
    made = await _draft(work, tenant, source, customer, case)
    recipient = _recipient(made, to)
    subject = (subject or made.subject).strip() or made.subject
    text = body if body is not None else made.body
    if not text.strip():
        raise InvalidInput("the summary is empty: write a text or leave body out for the default")
    references, thread = await _thread(work, tenant, source)  # before this one is stored
    row = await interactions.start_outbound(
        work, tenant, customer, channel=CHANNEL, case=case, subject=subject
    )
    message = interactions.reply(work, tenant, row, body=text)
    _address(message, account.from_address, recipient, subject, references)
    row.thread_ref = thread or message.external_id
    _finish(work, tenant, row, source)
    work.audit(
        tenant.id,
        "email.summary_queued",
        "interaction",
        row.id,
        {"from_interaction_id": source.id, "message_id": message.id, "to_identity": recipient.id},
    )
    return Queued(row, message, recipient, subject)


def _address(
    message: Message,
    from_address: str,
    recipient: CustomerIdentity,
    subject: str,
    references: list[str],
) -> None:
    """Give the message its Message-ID now (every try sends the same) and its headers."""
    message.external_id = message_id_for(message.id, from_address)
    message.headers = {
        "to": [{"kind": IdentityKind.EMAIL.value, "value": recipient.value}],
        "subject": subject,
        "references": references,
    }


def _recipient(made: Draft, to: str | None) -> CustomerIdentity:
    if to is None:
        if made.to is None:
            raise InvalidInput(
                "the customer has no e-mail address: add one to the customer's identities first"
            )
        return made.to
    wanted = to.strip().lower()
    for identity in made.addresses:
        if identity.value == wanted:
            return identity
    raise InvalidInput(
        f"'{to}' is not an e-mail address of this customer: choose one of theirs "
        "(or add it to the customer's identities first)"
    )


async def _thread(work: Work, tenant: Tenant, source: Interaction) -> tuple[list[str], str | None]:
    """The case's e-mail thread to answer in: its Message-IDs so far and its key."""
    latest = await repository.latest_thread_message(
        work.session, tenant.id, source.case_id, CHANNEL
    )
    if latest is None:
        return [], None
    message, interaction = latest
    earlier = [str(r) for r in (message.headers or {}).get("references", [])]
    references = [*earlier, str(message.external_id)]
    return references, interaction.thread_ref or references[0]


def _finish(work: Work, tenant: Tenant, row: Interaction, source: Interaction) -> None:
    """The summary needs no more work from the agent: ended and wrapped up with the reason
    of the conversation it summarises."""
    row.reason_id = source.reason_id
    interactions.step(work, tenant, row, "ended")
    data: dict[str, object] = {"auto": True}
    if source.reason_id is not None:
        data["reason_id"] = source.reason_id
    interactions.step(work, tenant, row, "wrapped_up", data=data)


# --- the text -------------------------------------------------------------------------------


async def summary_text(work: Work, tenant: Tenant, customer: Customer, source: Interaction) -> str:
    """Greeting, the conversation line by line in the tenant's time zone, and a signature."""
    rows = await interactions.list_messages(
        work.session, source.id, after=None, limit=MESSAGE_LIMIT + 1, include_internal=False
    )
    shown = [m for m in rows[:MESSAGE_LIMIT] if _public(m)]
    names = await _agent_names(work, shown)
    zone = tenants.zone(tenant)
    greeting = f"Hello {customer.display_name}," if customer.display_name else "Hello,"
    lines = [greeting, "", f"thank you for contacting {tenant.name}. Here is what we said:", ""]
    lines += _transcript(shown, names, tenant.name, zone)
    if len(rows) > MESSAGE_LIMIT:
        lines.append("(later messages are not shown)")
    lines += ["", "Kind regards,", tenant.name]
    return "\n".join(lines) + "\n"


def _public(message: Message) -> bool:
    return not message.internal and message.author_kind != AuthorKind.SYSTEM


async def _agent_names(work: Work, messages: list[Message]) -> dict[uuid.UUID, str]:
    """Agents by first name, as customers see them in every channel."""
    names: dict[uuid.UUID, str] = {}
    for author in {m.author_id for m in messages if m.author_id is not None}:
        user = await work.session.get(User, author)
        names[author] = (user.name.split() or [""])[0] if user is not None else ""
    return names


def _transcript(
    messages: list[Message], names: dict[uuid.UUID, str], company: str, zone: tzinfo
) -> list[str]:
    lines: list[str] = []
    day = None
    for message in messages:
        at = message.created_at.astimezone(zone)
        if at.date() != day:
            day = at.date()
            lines += [""] if lines else []
            lines.append(f"{_day(at)} ({zone})")
        who = _author(message, names, company)
        text = _plain(message).splitlines() or [""]
        lines.append(f"{at:%H:%M} {who}: {text[0]}")
        lines += [f"    {more}" for more in text[1:]]
    if not lines:
        lines.append("(no messages)")
    return lines


def _day(at: datetime) -> str:
    return f"{at.day} {at:%B %Y}"


def _author(message: Message, names: dict[uuid.UUID, str], company: str) -> str:
    if message.author_kind == AuthorKind.CUSTOMER:
        return "You"
    if message.author_kind == AuthorKind.AGENT and message.author_id in names:
        return names[message.author_id] or company
    return company


def _plain(message: Message) -> str:
    text = message.body
    if message.content_type == "text/html":
        text = html.unescape(nh3.clean(text, tags=set()))
    files = [str(a.get("name", "file")) for a in message.attachments or []]
    if files:
        text = (text + "\n" if text else "") + "\n".join(f"[file: {f}]" for f in files)
    return text.strip()
