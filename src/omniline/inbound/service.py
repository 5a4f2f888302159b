"""Accept one inbound message from any channel.

A message's external id is its idempotency key: the same id with the same payload is a
duplicate (answered with where the first landed), the same id with another payload is a
conflict (409), as payment APIs answer a reused idempotency key.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass

from omniline.cases import service as cases
from omniline.channels import catalog
from omniline.channels.base import InboundMessage
from omniline.customers import service as customers
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict
from omniline.models import AuthorKind, Direction, Message, Tenant
from omniline.reasons import service as reasons


@dataclass(frozen=True, slots=True)
class Accepted:
    """Where an inbound message landed.

    `customer_id` is the customer whose conversation the message joined: usually the sender,
    but a thread shared by several senders belongs to the customer who opened it.
    """

    message_id: uuid.UUID
    interaction_id: uuid.UUID
    case_id: uuid.UUID
    case_number: int
    customer_id: uuid.UUID
    duplicate: bool
    new_case: bool = False
    new_interaction: bool = False


def payload_hash(msg: InboundMessage) -> str:
    """sha256 of the message as its channel reported it, in one canonical JSON form."""
    doc = {
        "channel": msg.channel,
        "external_id": msg.external_id,
        "sender": [[c.kind, c.value] for c in msg.sender],
        "sender_name": msg.sender_name,
        "body": msg.body,
        "content_type": msg.content_type,
        "attachments": msg.attachments,
        "thread_ref": msg.thread_ref,
        "subject": msg.subject,
        "reason_code": msg.reason_code,
        "sent_at": msg.sent_at.timestamp() if msg.sent_at is not None else None,
    }
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_same_payload(stored_hash: str | None, msg: InboundMessage, earlier: Accepted) -> None:
    """A reused external id must carry the payload it was first used for (409 if not).

    Messages stored before hashes were kept have none: their duplicates are taken as such.
    """
    if stored_hash is None or stored_hash == payload_hash(msg):
        return
    raise Conflict(
        f"external_id '{msg.external_id}' on channel '{msg.channel}' was already used for "
        f"another message (case {earlier.case_number}): give a new message a new "
        "external_id; a retry must send the same payload",
        message_id=str(earlier.message_id),
    )


async def find_duplicate(work: Work, tenant: Tenant, msg: InboundMessage) -> Accepted | None:
    """The earlier landing of a message with the same external id, if any (409 if that
    message had another payload)."""
    existing = await interactions.find_message_by_external_id(
        work.session, tenant.id, msg.channel, msg.external_id
    )
    if existing is None:
        return None
    earlier = await _landing(work, tenant, existing)
    check_same_payload(existing.payload_hash, msg, earlier)
    return earlier


async def _landing(work: Work, tenant: Tenant, message: Message) -> Accepted:
    interaction = await interactions.get_interaction_or_raise(work, tenant, message.interaction_id)
    case = await cases.get_case_or_raise(work, tenant, interaction.case_id)
    return Accepted(
        message.id, interaction.id, case.id, case.number, interaction.customer_id, duplicate=True
    )


async def accept(work: Work, tenant: Tenant, msg: InboundMessage) -> Accepted:
    """Resolve the customer, open or join case and interaction, and store the message."""
    duplicate = await find_duplicate(work, tenant, msg)
    if duplicate is not None:
        return duplicate
    await catalog.check_tenant_channel(work, tenant, msg.channel)
    now = utcnow()
    reason_id = await reasons.reason_id_for_code(work, tenant, msg.reason_code)
    customer, _ = await customers.resolve_customer(
        work, tenant, msg.sender, display_name=msg.sender_name
    )
    interaction = await interactions.find_open_interaction(
        work.session, tenant.id, customer.id, msg.channel, msg.thread_ref
    )
    new_case = new_interaction = interaction is None
    if interaction is None:
        case, new_case = await cases.open_or_join_case(
            work,
            tenant,
            customer,
            channel=msg.channel,
            reason_id=reason_id,
            subject=msg.subject,
            now=now,
        )
        interaction = interactions.open_interaction(
            work,
            tenant,
            customer,
            case,
            channel=msg.channel,
            direction=Direction.INBOUND,
            thread_ref=msg.thread_ref,
            subject=msg.subject,
            now=now,
        )
    else:
        case = await cases.get_case_or_raise(work, tenant, interaction.case_id)
        case.last_activity_at = now
    message = interactions.add_message(work, tenant, interaction, new_inbound_message(msg))
    return Accepted(
        message.id,
        interaction.id,
        case.id,
        case.number,
        interaction.customer_id,
        False,
        new_case,
        new_interaction,
    )


def new_inbound_message(msg: InboundMessage) -> interactions.NewMessage:
    """The stored form of a customer's inbound message, written by the customer or by staff
    on their behalf."""
    return interactions.NewMessage(
        direction=Direction.INBOUND,
        author_kind=AuthorKind.CUSTOMER if msg.registered_by is None else AuthorKind.STAFF,
        author_id=msg.registered_by,
        body=msg.body,
        content_type=msg.content_type,
        attachments=msg.attachments,
        external_id=msg.external_id,
        payload_hash=payload_hash(msg),
    )
