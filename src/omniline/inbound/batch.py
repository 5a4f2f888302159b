"""Set-based ingest: many inbound messages of one tenant in one transaction.

The one-by-one path (`service.accept`) asks the database a dozen questions per message. Here
the questions of a whole batch are asked at once (duplicates, identities, customers, open
interactions, joinable cases, reasons), the messages are then placed in memory in their
order, following the same rules, and everything is written in one flush. A test checks that
both paths give the same result for any sequence of messages.

A batch must be all or nothing: any failure raises, and the caller rolls back and falls back
to the one-by-one path.
"""

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from omniline.cases import service as cases
from omniline.channels import catalog
from omniline.channels.base import InboundMessage
from omniline.customers import service as customers
from omniline.customers.identities import IdentityKind
from omniline.inbound.service import (
    Accepted,
    check_same_payload,
    new_inbound_message,
    payload_hash,
)
from omniline.interactions import service as interactions
from omniline.journal.actor import Actor
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import InvalidInput
from omniline.models import (
    Case,
    ContactReason,
    Customer,
    Direction,
    Interaction,
    Tenant,
)
from omniline.reasons import service as reasons
from omniline.tenants import service as tenants

Pair = tuple[IdentityKind, str]
K = TypeVar("K")


@dataclass
class _State:
    """What the batch knows: read once from the database, then kept up to date in memory."""

    tenant: Tenant
    landed: dict[tuple[str, str], Accepted] = field(default_factory=dict)
    # (channel, external id) -> the payload hash it was stored with
    hashes: dict[tuple[str, str], str | None] = field(default_factory=dict)
    channels: frozenset[str] = frozenset()
    reasons: dict[str, ContactReason] = field(default_factory=dict)
    identities: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    customers: dict[uuid.UUID, Customer] = field(default_factory=dict)
    threaded: dict[tuple[str, str], Interaction] = field(default_factory=dict)
    unthreaded: dict[tuple[uuid.UUID, str], Interaction] = field(default_factory=dict)
    cases: dict[uuid.UUID, Case] = field(default_factory=dict)
    next_number: int = 0

    def remember(self, interaction: Interaction) -> None:
        """Keep the newest open interaction per thread, or per customer and channel."""
        if interaction.thread_ref is not None:
            key = (interaction.channel, interaction.thread_ref)
            _keep_newest(self.threaded, key, interaction)
        else:
            _keep_newest(
                self.unthreaded, (interaction.customer_id, interaction.channel), interaction
            )


def _keep_newest(index: dict[K, Interaction], key: K, row: Interaction) -> None:
    current = index.get(key)
    if current is None or row.created_at >= current.created_at:
        index[key] = row


async def accept_many(
    work: Work,
    tenant: Tenant,
    messages: Sequence[InboundMessage],
    actors: Sequence[Actor] | None = None,
) -> list[Accepted]:
    """Store messages in order, exactly as `service.accept` would one by one."""
    claims = [customers.normalize_claims(tenant, m.sender) for m in messages]
    if any(not c for c in claims):
        raise InvalidInput("at least one identity of the sender is needed")
    state = await _prefetch(work, tenant, messages, claims)
    first_number = state.next_number
    landed = []
    for i, (message, pairs) in enumerate(zip(messages, claims, strict=True)):
        if actors is not None:
            work.actor = actors[i]
        landed.append(await _place(work, state, message, pairs))
    if state.next_number != first_number:
        await tenants.release_case_numbers(work, tenant, state.next_number)
    return landed


async def _prefetch(
    work: Work, tenant: Tenant, messages: Sequence[InboundMessage], claims: list[list[Pair]]
) -> _State:
    state = _State(tenant)
    session = work.session
    await _prefetch_landed(work, state, messages)
    state.channels = await catalog.tenant_channels(work, tenant)
    if any(m.reason_code for m in messages):
        state.reasons = {r.code: r for r in await reasons.list_reasons(session, tenant.id)}
    pairs = list({p for pairs in claims for p in pairs})
    known = await customers.find_identities(session, tenant.id, pairs)
    state.identities = {key: row.customer_id for key, row in known.items()}
    await _prefetch_customers(work, state, set(state.identities.values()))
    threads = list({(m.channel, m.thread_ref) for m in messages if m.thread_ref is not None})
    rows = await interactions.open_threaded_interactions(session, tenant.id, threads)
    rows += await interactions.open_unthreaded_interactions(
        session, tenant.id, list(state.customers)
    )
    for row in rows:
        state.remember(row)
    since = utcnow() - cases.join_window(tenant)
    for case in await cases.open_cases_of(session, tenant.id, list(state.customers), since):
        state.cases[case.id] = case
    missing = {row.case_id for row in rows} - state.cases.keys()
    state.cases.update(await cases.get_cases(session, tenant.id, list(missing)))
    state.next_number = await tenants.reserve_case_numbers(work, tenant)
    return state


async def _prefetch_landed(work: Work, state: _State, messages: Sequence[InboundMessage]) -> None:
    keys = list({(m.channel, m.external_id) for m in messages})
    found = await interactions.messages_by_external_ids(work.session, state.tenant.id, keys)
    numbers = await cases.get_cases(work.session, state.tenant.id, [i.case_id for _, i in found])
    for message, interaction in found:
        assert message.external_id is not None
        state.hashes[(message.channel, message.external_id)] = message.payload_hash
        state.landed[(message.channel, message.external_id)] = Accepted(
            message.id,
            interaction.id,
            interaction.case_id,
            numbers[interaction.case_id].number,
            interaction.customer_id,
            duplicate=True,
        )


async def _prefetch_customers(work: Work, state: _State, ids: set[uuid.UUID]) -> None:
    """Load customers, and the customers merged ones now live on."""
    for _ in range(32):  # merge chains are short; the bound guards against a damaged one
        wanted = ids - state.customers.keys()
        if not wanted:
            return
        found = await customers.get_customers(work.session, state.tenant.id, list(wanted))
        state.customers.update(found)
        ids = {c.merged_into_id for c in found.values() if c.merged_into_id is not None}


async def _place(work: Work, state: _State, msg: InboundMessage, pairs: list[Pair]) -> Accepted:
    """One message, by the rules of `service.accept`, against the batch's state."""
    key = (msg.channel, msg.external_id)
    earlier = state.landed.get(key)
    if earlier is not None:
        check_same_payload(state.hashes[key], msg, earlier)
        return dataclasses.replace(earlier, duplicate=True, new_case=False, new_interaction=False)
    catalog.check_channel(state.channels, msg.channel)
    now = utcnow()
    reason_id = _reason_id(state, msg.reason_code)
    customer = _customer(work, state, pairs, msg.sender_name)
    if msg.thread_ref is not None:
        interaction = state.threaded.get((msg.channel, msg.thread_ref))
    else:
        interaction = state.unthreaded.get((customer.id, msg.channel))
    new_case = new_interaction = interaction is None
    if interaction is None:
        case, new_case = await _case(work, state, customer, msg, reason_id, now)
        interaction = interactions.open_interaction(
            work,
            state.tenant,
            customer,
            case,
            channel=msg.channel,
            direction=Direction.INBOUND,
            thread_ref=msg.thread_ref,
            subject=msg.subject,
            now=now,
        )
        state.remember(interaction)
    else:
        case = state.cases[interaction.case_id]
        case.last_activity_at = now
    message = interactions.add_message(work, state.tenant, interaction, new_inbound_message(msg))
    accepted = Accepted(
        message.id,
        interaction.id,
        case.id,
        case.number,
        interaction.customer_id,
        False,
        new_case,
        new_interaction,
    )
    state.landed[key] = accepted
    state.hashes[key] = payload_hash(msg)
    return accepted


def _reason_id(state: _State, code: str | None) -> uuid.UUID | None:
    if code is None:
        return None
    row = state.reasons.get(code)
    if row is None or not row.active:
        raise InvalidInput(reasons.unknown_reason_message(state.tenant, code))
    return row.id


def _customer(work: Work, state: _State, pairs: list[Pair], display_name: str) -> Customer:
    owner_id = next((state.identities[p] for p in pairs if p in state.identities), None)
    if owner_id is None:
        customer, _ = customers.new_customer(work, state.tenant, pairs, display_name)
        state.customers[customer.id] = customer
    else:
        customer = _surviving(state, state.customers[owner_id])
        if display_name and not customer.display_name:
            customer.display_name = display_name[:200]
        for kind, value in (p for p in pairs if p not in state.identities):
            customers.attach_identity(work, state.tenant, customer, kind, value)
    for pair in pairs:
        state.identities.setdefault(pair, customer.id)
    return customer


def _surviving(state: _State, customer: Customer) -> Customer:
    for _ in range(32):
        if customer.merged_into_id is None or customer.merged_into_id not in state.customers:
            return customer
        customer = state.customers[customer.merged_into_id]
    return customer


async def _case(
    work: Work,
    state: _State,
    customer: Customer,
    msg: InboundMessage,
    reason_id: uuid.UUID | None,
    now: datetime,
) -> tuple[Case, bool]:
    since = now - cases.join_window(state.tenant)
    joinable = cases.pick_joinable(state.cases.values(), customer.id, reason_id, since)
    if joinable is not None:
        return cases.join_case(joinable, reason_id, now), False
    case = await cases.open_case(
        work,
        state.tenant,
        customer,
        channel=msg.channel,
        reason_id=reason_id,
        subject=msg.subject,
        now=now,
        number=state.next_number,
    )
    state.next_number += 1
    state.cases[case.id] = case
    return case, True
