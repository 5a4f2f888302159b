"""Merge two customers into one, and undo a merge exactly.

A merge moves the source's identities, cases and interactions to the target (messages
follow their interactions) and records the ids it moved. Undo moves exactly those rows
back, if they are still on the target; rows the target gained after the merge stay.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import update

from omniline.customers import repository
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import Case, Customer, CustomerIdentity, CustomerMerge, Interaction, Tenant

Movable = type[CustomerIdentity] | type[Case] | type[Interaction]

# what a merge moves, by the name it is recorded under
MOVABLE: dict[str, Movable] = {
    "identities": CustomerIdentity,
    "cases": Case,
    "interactions": Interaction,
}
_CHUNK = 500  # ids per statement, well under the bind-parameter limits of both databases


async def merge_customers(
    work: Work, tenant: Tenant, target_id: uuid.UUID, source_id: uuid.UUID
) -> CustomerMerge:
    """Move everything of the source customer to the target and mark the source merged."""
    if source_id == target_id:
        raise InvalidInput("a customer cannot be merged into itself: pick another source_id")
    target, source = await _lock_pair(work, tenant, target_id, source_id)
    if source.merged_into_id is not None:
        raise Conflict(
            f"customer {source.id} was already merged into {source.merged_into_id}",
            merged_into_id=str(source.merged_into_id),
        )
    if target.merged_into_id is not None:
        raise Conflict(
            f"customer {target.id} was merged into {target.merged_into_id}: merge into that one",
            merged_into_id=str(target.merged_into_id),
        )
    moved: dict[str, list[str]] = {}
    for name, model in MOVABLE.items():
        ids = await _move(work, model, tenant, source.id, target.id)
        moved[name] = [str(i) for i in ids]
    now = utcnow()
    source.merged_into_id = target.id
    source.updated_at = target.updated_at = now
    merge = CustomerMerge(
        id=new_id(),
        tenant_id=tenant.id,
        source_id=source.id,
        target_id=target.id,
        moved=moved,
        merged_by=work.actor.id,
        created_at=now,
    )
    work.session.add(merge)
    counts = {name: len(ids) for name, ids in moved.items()}
    data = {"merge_id": merge.id, "source_id": source.id, "target_id": target.id}
    work.emit(tenant.id, "customer.merged", {**data, "moved": counts}, customer_id=target.id)
    work.audit(tenant.id, "customer.merged", "customer", target.id, {**data, "moved": moved})
    return merge


async def undo_merge(work: Work, tenant: Tenant, merge_id: uuid.UUID) -> CustomerMerge:
    """Move back exactly what a merge moved and un-merge the source; 409 if not possible."""
    merge = await repository.get_merge(work.session, tenant.id, merge_id, lock=True)
    if merge is None:
        raise NotFound("merge not found")
    if merge.undone_at is not None:
        raise Conflict(f"this merge was already undone at {merge.undone_at.isoformat()}")
    target, source = await _lock_pair(work, tenant, merge.target_id, merge.source_id)
    if target.merged_into_id is not None:
        raise Conflict(
            f"the target customer was since merged into {target.merged_into_id}: "
            "undo that later merge first",
            merged_into_id=str(target.merged_into_id),
        )
    back: dict[str, list[str]] = {}
    for name, model in MOVABLE.items():
        ids = [uuid.UUID(i) for i in merge.moved.get(name, [])]
        back[name] = [str(i) for i in await _move(work, model, tenant, target.id, source.id, ids)]
    now = utcnow()
    source.merged_into_id = None
    source.updated_at = target.updated_at = now
    merge.undone_at = now
    merge.undone_by = work.actor.id
    # rows deleted or moved away since the merge cannot come back; say which
    left = {k: sorted(set(merge.moved.get(k, [])) - set(v)) for k, v in back.items()}
    data = {"merge_id": merge.id, "source_id": source.id, "target_id": target.id}
    counts = {name: len(ids) for name, ids in back.items()}
    work.emit(tenant.id, "customer.merge_undone", {**data, "moved": counts}, customer_id=target.id)
    audit = {**data, "moved": back, "not_moved": {k: v for k, v in left.items() if v}}
    work.audit(tenant.id, "customer.merge_undone", "customer", target.id, audit)
    return merge


async def _lock_pair(
    work: Work, tenant: Tenant, target_id: uuid.UUID, source_id: uuid.UUID
) -> tuple[Customer, Customer]:
    """Lock both customers in id order, so that two merges of the same pair cannot deadlock."""
    found: dict[uuid.UUID, Customer] = {}
    for customer_id in sorted({target_id, source_id}):
        customer = await repository.get_customer_for_update(work.session, tenant.id, customer_id)
        if customer is None:
            role = "target" if customer_id == target_id else "source"
            raise NotFound(f"{role} customer not found")
        found[customer_id] = customer
    return found[target_id], found[source_id]


async def _move(
    work: Work,
    model: Movable,
    tenant: Tenant,
    from_id: uuid.UUID,
    to_id: uuid.UUID,
    only: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Re-point rows from one customer to another (only the given ids, if any); their ids."""
    base = (
        update(model)
        .where(model.tenant_id == tenant.id, model.customer_id == from_id)
        .values(customer_id=to_id)
        .returning(model.id)
    )
    if only is None:
        return list((await work.session.execute(base)).scalars())
    moved: list[uuid.UUID] = []
    for start in range(0, len(only), _CHUNK):
        chunk = only[start : start + _CHUNK]
        result = await work.session.execute(base.where(model.id.in_(chunk)))
        moved.extend(result.scalars())
    return moved
