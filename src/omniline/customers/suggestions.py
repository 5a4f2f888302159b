"""Suggested merges: a visitor typed a detail another customer holds.

Typed details prove nothing, so they never join two customers by themselves. The suggestion
waits for an agent who checked who the visitor is: confirming it merges the visitor's
customer into the one on file (through `merge.merge_customers`, so it can be undone);
dismissing it leaves both apart.
"""

import uuid
from collections.abc import Sequence

from omniline.customers import merge, repository
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, NotFound
from omniline.kit.ids import new_id
from omniline.models import Customer, MergeSuggestion, SuggestionStatus, Tenant

get_suggestion = repository.get_suggestion


async def suggest_merge(
    work: Work, tenant: Tenant, customer: Customer, candidate_id: uuid.UUID, kinds: Sequence[str]
) -> MergeSuggestion:
    """Record that `customer` may be `candidate_id` (once per pair; a dismissed one stays so)."""
    row = await repository.find_suggestion(work.session, tenant.id, customer.id, candidate_id)
    if row is not None:
        if row.status == SuggestionStatus.OPEN and set(kinds) - set(row.kinds):
            row.kinds = sorted(set(row.kinds) | set(kinds))
        return row
    row = MergeSuggestion(
        id=new_id(),
        tenant_id=tenant.id,
        customer_id=customer.id,
        candidate_id=candidate_id,
        kinds=sorted(set(kinds)),
        status=SuggestionStatus.OPEN,
        created_at=utcnow(),
    )
    work.session.add(row)
    data = {"suggestion_id": row.id, "customer_id": customer.id, "candidate_id": candidate_id}
    work.emit(tenant.id, "customer.merge_suggested", data, customer_id=candidate_id)
    work.audit(tenant.id, "customer.merge_suggested", "customer", candidate_id, data)
    return row


async def suggestions_of(
    work: Work, tenant: Tenant, customer_id: uuid.UUID, *, only_open: bool = True
) -> list[MergeSuggestion]:
    """The suggestions a customer takes part in, newest first."""
    statuses = [SuggestionStatus.OPEN] if only_open else list(SuggestionStatus)
    return await repository.suggestions_of(work.session, tenant.id, customer_id, statuses)


async def _open_suggestion(work: Work, tenant: Tenant, suggestion_id: uuid.UUID) -> MergeSuggestion:
    row = await repository.get_suggestion(work.session, tenant.id, suggestion_id, lock=True)
    if row is None:
        raise NotFound("merge suggestion not found")
    if row.status != SuggestionStatus.OPEN:
        raise Conflict(f"this suggestion was already {row.status}")
    return row


async def confirm(work: Work, tenant: Tenant, suggestion_id: uuid.UUID) -> MergeSuggestion:
    """The agent checked: the visitor's customer is merged into the one on file."""
    row = await _open_suggestion(work, tenant, suggestion_id)
    made = await merge.merge_customers(work, tenant, row.candidate_id, row.customer_id)
    _decide(work, tenant, row, SuggestionStatus.CONFIRMED)
    row.merge_id = made.id
    return row


async def dismiss(work: Work, tenant: Tenant, suggestion_id: uuid.UUID) -> MergeSuggestion:
    """The agent checked: not the same person; both stay apart."""
    row = await _open_suggestion(work, tenant, suggestion_id)
    _decide(work, tenant, row, SuggestionStatus.DISMISSED)
    return row


def _decide(work: Work, tenant: Tenant, row: MergeSuggestion, status: SuggestionStatus) -> None:
    row.status = status
    row.decided_by = work.actor.id
    row.decided_at = utcnow()
    data = {"suggestion_id": row.id, "customer_id": row.customer_id, "status": str(status)}
    work.emit(tenant.id, "customer.merge_suggestion_decided", data, customer_id=row.candidate_id)
    work.audit(tenant.id, "customer.merge_suggestion_decided", "customer", row.candidate_id, data)
