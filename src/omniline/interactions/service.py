"""Interactions: open or continue one, add messages, and step through the lifecycle."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from omniline.cases import service as cases
from omniline.channels import catalog
from omniline.interactions import repository
from omniline.journal.actor import ActorType
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import (
    OPEN_CASE_STATUSES,
    OPEN_INTERACTION_STATUSES,
    AuthorKind,
    Case,
    CaseStatus,
    Customer,
    DeliveryStatus,
    Direction,
    Interaction,
    InteractionStatus,
    Message,
    Queue,
    Tenant,
)
from omniline.reasons import service as reasons
from omniline.tenants.service import tenant_setting, zone

get_interaction = repository.get_interaction
list_interactions = repository.list_interactions
list_messages = repository.list_messages
interaction_events = repository.interaction_events
case_interactions = repository.case_interactions
find_message_by_external_id = repository.find_message_by_external_id
find_open_interaction = repository.find_open_interaction
open_threaded_interactions = repository.open_threaded_interactions
open_unthreaded_interactions = repository.open_unthreaded_interactions
messages_by_external_ids = repository.messages_by_external_ids

S = InteractionStatus
OPEN_INTERACTIONS = frozenset(OPEN_INTERACTION_STATUSES)
# lifecycle step -> (statuses it may start from, status it leads to, timestamp it sets)
STEPS: dict[str, tuple[frozenset[InteractionStatus], InteractionStatus, str]] = {
    "queued": (frozenset({S.CREATED, S.OFFERED}), S.QUEUED, "queued_at"),
    "offered": (frozenset({S.CREATED, S.QUEUED}), S.OFFERED, "offered_at"),
    "answered": (frozenset({S.CREATED, S.QUEUED, S.OFFERED}), S.ACTIVE, "answered_at"),
    "held": (frozenset({S.ACTIVE}), S.HELD, "held_at"),
    "resumed": (frozenset({S.HELD}), S.ACTIVE, ""),
    "transferred": (frozenset({S.ACTIVE, S.HELD}), S.QUEUED, "transferred_at"),
    "ended": (frozenset({S.CREATED, S.QUEUED, S.OFFERED, S.ACTIVE, S.HELD}), S.ENDED, "ended_at"),
    "wrapped_up": (frozenset({S.ENDED}), S.WRAPPED_UP, "wrapped_up_at"),
}
# steps that put an interaction in a queue, and so may name it
QUEUEING_STEPS = frozenset({"queued", "transferred"})


@dataclass(slots=True)
class NewMessage:
    """A message to store, in channel-neutral form."""

    direction: Direction
    author_kind: AuthorKind
    body: str = ""
    content_type: str = "text/plain"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    external_id: str | None = None
    author_id: uuid.UUID | None = None
    internal: bool = False
    payload_hash: str | None = None


async def get_interaction_or_raise(
    work: Work, tenant: Tenant, interaction_id: uuid.UUID
) -> Interaction:
    """An interaction of the tenant, or 404."""
    row = await repository.get_interaction(work.session, tenant.id, interaction_id)
    if row is None:
        raise NotFound("interaction not found")
    return row


def open_interaction(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    case: Case,
    *,
    channel: str,
    direction: Direction,
    thread_ref: str | None = None,
    subject: str = "",
    now: datetime | None = None,
) -> Interaction:
    """A new interaction in a case."""
    now = now or utcnow()
    row = Interaction(
        id=new_id(),
        tenant_id=tenant.id,
        case_id=case.id,
        customer_id=customer.id,
        channel=channel,
        direction=direction,
        status=InteractionStatus.CREATED,
        thread_ref=thread_ref,
        subject=subject[:300],
        created_at=now,
        transfer_count=0,
    )
    work.session.add(row)
    work.emit(
        tenant.id,
        "interaction.created",
        {"channel": channel, "direction": direction},
        customer_id=customer.id,
        case_id=case.id,
        interaction_id=row.id,
        occurred_at=now,
    )
    return row


def add_message(work: Work, tenant: Tenant, interaction: Interaction, new: NewMessage) -> Message:
    """Store a message in an interaction."""
    now = utcnow()
    inbound = new.direction is Direction.INBOUND
    message = Message(
        id=new_id(),
        tenant_id=tenant.id,
        interaction_id=interaction.id,
        channel=interaction.channel,
        direction=new.direction,
        author_kind=new.author_kind,
        author_id=new.author_id,
        body=new.body,
        content_type=new.content_type,
        attachments=new.attachments,
        internal=new.internal,
        external_id=new.external_id,
        payload_hash=new.payload_hash,
        delivery_status=DeliveryStatus.RECEIVED
        if inbound or new.internal
        else DeliveryStatus.QUEUED,
        created_at=now,
    )
    work.session.add(message)
    interaction.last_message_at = now
    if not new.internal:
        _response_clock(work, tenant, interaction, new, now)
    work.emit(
        tenant.id,
        "message.created",
        {
            "message_id": message.id,
            "direction": new.direction,
            "author_kind": new.author_kind,
            "internal": new.internal,
        },
        customer_id=interaction.customer_id,
        case_id=interaction.case_id,
        interaction_id=interaction.id,
        occurred_at=now,
    )
    return message


def add_system_note(work: Work, tenant: Tenant, interaction: Interaction, body: str) -> Message:
    """A note for staff written by the system (what a channel or the portal knows)."""
    return add_message(
        work,
        tenant,
        interaction,
        NewMessage(
            direction=Direction.INBOUND, author_kind=AuthorKind.SYSTEM, body=body, internal=True
        ),
    )


def _response_clock(
    work: Work, tenant: Tenant, interaction: Interaction, new: NewMessage, now: datetime
) -> None:
    """Written channels: a customer's message starts the wait for a response (routing sets
    its deadline by the queue's targets and hours); the agent's reply ends it."""
    if interaction.admitted_at is None:
        return
    if new.direction is Direction.INBOUND and interaction.response_clock is None:
        interaction.response_clock = "next"
        interaction.response_due_at = interaction.sla_warn_at = None
        interaction.sla_state = ""
    elif new.direction is Direction.OUTBOUND and interaction.response_clock is not None:
        due = interaction.response_due_at
        work.emit(
            tenant.id,
            "sla.responded",
            {
                "clock": interaction.response_clock,
                "due_at": due,
                "breached": due is not None and now > due,
                "agent_id": new.author_id,
            },
            customer_id=interaction.customer_id,
            case_id=interaction.case_id,
            interaction_id=interaction.id,
            occurred_at=now,
        )
        interaction.response_clock = None
        interaction.response_due_at = interaction.sla_warn_at = None
        interaction.sla_state = ""


def step(
    work: Work,
    tenant: Tenant,
    interaction: Interaction,
    name: str,
    *,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Interaction:
    """Move an interaction one lifecycle step, timestamp it and log the event."""
    if name not in STEPS:
        raise InvalidInput(f"unknown lifecycle step '{name}'; known: {', '.join(STEPS)}")
    sources, target, stamp = STEPS[name]
    if interaction.status not in sources:
        raise InvalidInput(f"an interaction that is {interaction.status} cannot be {name}")
    now = now or utcnow()
    previous, interaction.status = interaction.status, target
    if stamp:
        setattr(interaction, stamp, now)
    if name == "transferred":
        interaction.transfer_count += 1
    work.emit(
        tenant.id,
        f"interaction.{name}",
        {"from": previous, "to": target, **(data or {})},
        customer_id=interaction.customer_id,
        case_id=interaction.case_id,
        interaction_id=interaction.id,
        occurred_at=now,
    )
    return interaction


# contacts nobody handles yet: closing their case with `end_open_contacts` ends them
UNHANDLED = frozenset({S.CREATED, S.QUEUED, S.OFFERED})


async def close_case(
    work: Work, tenant: Tenant, case: Case, status: CaseStatus, *, end_open: str | None
) -> Case:
    """Resolve or close a case (or move it to any status); with `end_open`, first end its
    contacts nobody handles yet, recording why. Contacts in an agent's hands are never
    ended this way: `cases.set_status` refuses while any contact is open."""
    if end_open is not None and status in cases.DONE_STATUSES:
        for row in await cases.open_contacts(work.session, tenant.id, case.id):
            if row.status in UNHANDLED:
                await end_for_case(work, tenant, row, case, end_open)
    return await cases.set_status(work, tenant, case, status)


async def end_for_case(
    work: Work, tenant: Tenant, row: Interaction, case: Case, why: str
) -> Interaction:
    """End a contact because its case is done; the reason is kept on the event and audit."""
    data = {"why": "case_done", "reason": why, "case_number": case.number}
    if row.status == S.OFFERED:
        data["from_agent_id"] = row.agent_id
        row.agent_id = None
    step(work, tenant, row, "ended", data=data)
    row.offer_expires_at = None
    row.unrouted_reason = None
    work.audit(tenant.id, "interaction.ended", "interaction", row.id, data)
    return row


def move_to_case(work: Work, tenant: Tenant, interaction: Interaction, case: Case) -> Interaction:
    """Move an interaction (and its messages) into another case of the same customer."""
    if case.tenant_id != tenant.id or case.customer_id != interaction.customer_id:
        raise InvalidInput("an interaction can only move to a case of the same customer")
    if case.status in cases.DONE_STATUSES and interaction.status in OPEN_INTERACTIONS:
        raise Conflict(
            f"case {case.number} is {case.status}: an open contact cannot move into it; "
            "reopen it first (PATCH its status to open)"
        )
    previous = interaction.case_id
    if previous == case.id:
        return interaction
    interaction.case_id = case.id
    case.last_activity_at = utcnow()
    work.emit(
        tenant.id,
        "interaction.moved",
        {"from_case_id": previous, "to_case_id": case.id},
        customer_id=interaction.customer_id,
        case_id=case.id,
        interaction_id=interaction.id,
    )
    work.audit(
        tenant.id,
        "interaction.moved",
        "interaction",
        interaction.id,
        {"from_case_id": previous, "to_case_id": case.id},
    )
    return interaction


async def do_step(
    work: Work,
    tenant: Tenant,
    interaction: Interaction,
    name: str,
    *,
    reason_code: str | None = None,
    queue: str | None = None,
) -> Interaction:
    """A lifecycle step asked for by a caller: checked, attributed, logged and audited.

    `answered` makes the acting person the interaction's agent; `transferred` frees it for the
    next one; `wrapped_up` may classify the contact with a reason code; `queued` and
    `transferred` may name the queue.
    """
    if reason_code is not None and name != "wrapped_up":
        raise InvalidInput("reason_code classifies a wrap-up: send it with the step 'wrapped_up'")
    if queue is not None and name not in QUEUEING_STEPS:
        raise InvalidInput(f"a queue can only be named with the steps {', '.join(QUEUEING_STEPS)}")
    _check_routing_owns(interaction, name)
    reason_id = await reasons.reason_id_for_code(work, tenant, reason_code)
    _check_classified(work, tenant, interaction, name, reason_id)
    data: dict[str, Any] = {}
    if name == "answered" and work.actor.user_id is not None:
        data["agent_id"] = work.actor.user_id
    if name == "transferred":
        data["from_agent_id"] = interaction.agent_id
    if queue is not None:
        data["queue"] = queue
    if reason_id is not None:
        data.update(reason_id=reason_id, reason_code=reason_code)
    step(work, tenant, interaction, name, data=data)
    _apply_step(interaction, name, data)
    if name == "ended" and interaction.agent_id is not None and interaction.queue_id is not None:
        seconds = await work.session.scalar(
            select(Queue.wrap_up_seconds).where(Queue.id == interaction.queue_id)
        )
        if seconds:  # the agent's capacity stays taken until wrapped up or the time is over
            interaction.wrap_up_due_at = utcnow() + timedelta(seconds=seconds)
    if name == "wrapped_up":
        interaction.wrap_up_due_at = None
    work.audit(tenant.id, f"interaction.{name}", "interaction", interaction.id, data)
    return interaction


def _check_classified(
    work: Work, tenant: Tenant, interaction: Interaction, name: str, reason_id: uuid.UUID | None
) -> None:
    """A person wrapping up must classify the contact (tenant setting, on by default);
    systems (API tokens) and timed wrap-ups may leave it unclassified."""
    if name != "wrapped_up" or reason_id is not None or interaction.reason_id is not None:
        return
    if work.actor.type is ActorType.USER and tenant_setting(tenant, "wrap_up_reason_required"):
        raise InvalidInput(
            "classify the contact: send the contact reason's code (reason_code) with the wrap-up"
        )


async def classify(
    work: Work, tenant: Tenant, interaction: Interaction, reason_code: str
) -> Interaction:
    """Give a wrapped-up contact its reason afterwards (one whose wrap-up time ran out)."""
    if interaction.status != S.WRAPPED_UP:
        raise Conflict(
            f"the contact is {interaction.status}: classify it when wrapping up "
            "(the step 'wrapped_up' with reason_code)"
        )
    reason_id = await reasons.reason_id_for_code(work, tenant, reason_code)
    assert reason_id is not None
    interaction.reason_id, interaction.needs_reason = reason_id, False
    data = {"reason_id": reason_id, "reason_code": reason_code}
    work.emit(
        tenant.id,
        "interaction.classified",
        data,
        customer_id=interaction.customer_id,
        case_id=interaction.case_id,
        interaction_id=interaction.id,
    )
    work.audit(tenant.id, "interaction.classified", "interaction", interaction.id, data)
    return interaction


def parse_period(
    tenant: Tenant, start: str | None, end: str | None
) -> tuple[datetime | None, datetime | None]:
    """`from`/`to` of a listing as [start, end): a day (2026-12-07, the tenant's day; `to`
    takes the whole day) or an instant with its zone (2026-12-07T10:00:00Z)."""
    return _instant(tenant, "from", start, 0), _instant(tenant, "to", end, 1)


def _instant(tenant: Tenant, name: str, text: str | None, days: int) -> datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date() + timedelta(days=days)
            return datetime.combine(day, datetime.min.time(), zone(tenant))
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(
            f"{name} must be a day (2026-12-07) or a time with its zone (2026-12-07T10:00:00Z)"
        )
    return at


# steps that routing takes for contacts it routes (offers, accepting them, queueing)
ROUTED_STEPS = {
    "offered": "offers are made by routing",
    "queued": "use POST .../transfer or .../requeue",
    "transferred": "use POST .../transfer",
}


def _check_routing_owns(interaction: Interaction, name: str) -> None:
    if interaction.admitted_at is None:
        return
    if name in ROUTED_STEPS:
        raise Conflict(f"routing handles this contact: {ROUTED_STEPS[name]}")
    if name == "answered" and interaction.status in (S.QUEUED, S.OFFERED):
        raise Conflict(
            "routing handles this contact: accept the offer with POST .../accept "
            "(a supervisor can transfer it to an agent)"
        )


def _apply_step(interaction: Interaction, name: str, data: dict[str, Any]) -> None:
    if "agent_id" in data:
        interaction.agent_id = data["agent_id"]
    if name == "transferred":
        interaction.agent_id = None
    if "queue" in data:
        interaction.queue = data["queue"]
    if "reason_id" in data:
        interaction.reason_id = data["reason_id"]


def reply(
    work: Work,
    tenant: Tenant,
    interaction: Interaction,
    *,
    body: str,
    content_type: str = "text/plain",
    internal: bool = False,
    attachments: list[dict[str, Any]] | None = None,
) -> Message:
    """An agent's message: an internal note stays here, a reply is queued for its channel.

    The `messages.send` job is written in the same transaction as the message (outbox), so
    a committed reply is always sent, and a rolled back one never is.
    """
    if not internal and interaction.status in (S.ENDED, S.WRAPPED_UP):
        raise InvalidInput(
            f"the interaction has {interaction.status}: start a new outbound interaction "
            "to write to the customer, or add an internal note"
        )
    user_id = work.actor.user_id
    message = add_message(
        work,
        tenant,
        interaction,
        NewMessage(
            direction=Direction.OUTBOUND,
            author_kind=AuthorKind.AGENT if user_id is not None else AuthorKind.SYSTEM,
            author_id=user_id,
            body=body,
            content_type=content_type,
            internal=internal,
            attachments=list(attachments or []),
        ),
    )
    if not internal:
        work.enqueue("messages.send", {"message_id": message.id})
    work.audit(
        tenant.id,
        "message.note_added" if internal else "message.reply_queued",
        "message",
        message.id,
        {"interaction_id": interaction.id},
    )
    return message


async def start_outbound(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    *,
    channel: str,
    case: Case | None = None,
    subject: str = "",
) -> Interaction:
    """An outbound contact started by an agent, in the given case or an opened or joined one."""
    if customer.merged_into_id is not None:
        raise InvalidInput(
            f"customer {customer.id} was merged into {customer.merged_into_id}: contact them there"
        )
    await catalog.check_tenant_channel(work, tenant, channel)
    now = utcnow()
    if case is None:
        case, _ = await cases.open_or_join_case(
            work, tenant, customer, channel=channel, subject=subject, now=now
        )
    else:
        _check_case_takes_contact(case, customer)
        case.last_activity_at = now
    row = open_interaction(
        work,
        tenant,
        customer,
        case,
        channel=channel,
        direction=Direction.OUTBOUND,
        subject=subject,
        now=now,
    )
    work.audit(
        tenant.id,
        "interaction.started",
        "interaction",
        row.id,
        {"case_id": case.id, "customer_id": customer.id, "channel": channel},
    )
    if work.actor.user_id is not None:  # the person who starts the contact is handling it
        await do_step(work, tenant, row, "answered")
    return row


def _check_case_takes_contact(case: Case, customer: Customer) -> None:
    if case.customer_id != customer.id:
        raise InvalidInput("the case belongs to another customer")
    if case.status not in OPEN_CASE_STATUSES:
        raise InvalidInput(f"the case is {case.status}: reopen it first (PATCH its status to open)")
