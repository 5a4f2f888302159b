"""HTTP endpoints of customers.

Sensitive personal data (e-mail and phone identities, address, documents) is masked in every
answer unless the caller asks with reveal=true AND their role may read that field; every
answer that shows such data unmasked is recorded in the audit log as 'customer.pii_read'.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from omniline.api.deps import Ctx, CtxDep, Cursor, IdPath, Limit
from omniline.auth.permissions import Permission
from omniline.customers import merge, service, suggestions
from omniline.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    IdentityIn,
    MergeIn,
    MergeOut,
    SuggestionOut,
)
from omniline.customers.service import IdentityClaim
from omniline.kit.pagination import Page, decode_cursor, encode_cursor
from omniline.models import Customer, CustomerMerge, MergeSuggestion

router = APIRouter(prefix="/tenants/{tenant}/customers", tags=["customers"])

Reveal = Annotated[
    bool,
    Query(description="show the sensitive fields your role may read unmasked; the read is audited"),
]


async def _answer(ctx: Ctx, customers: list[Customer], reveal: bool) -> list[CustomerOut]:
    """Customers as this caller may see them; a reveal's audit entries are committed."""
    readable = service.readable_fields(ctx.access)
    answers = await service.present(
        ctx.work, ctx.tenant, customers, readable=readable, reveal=reveal
    )
    if any(a.revealed for a in answers):
        await ctx.work.commit()
    return answers


async def _change(ctx: Ctx, customer: Customer, reveal: bool) -> CustomerOut:
    """Commit a change, then answer the changed customer."""
    await ctx.work.commit()
    [answer] = await _answer(ctx, [customer], reveal)
    return answer


@router.get("", response_model=Page[CustomerOut], summary="List customers, oldest first")
async def list_customers(
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    q: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
    identity: Annotated[
        str | None,
        Query(max_length=400, description="kind:value", examples=["email:ada@example.com"]),
    ] = None,
    include_merged: bool = False,
    reveal: Reveal = False,
) -> Page[CustomerOut]:
    ctx.access.require(Permission.CUSTOMERS_READ)
    wanted = service.parse_identity_filter(ctx.access, identity) if identity else None
    rows = await service.list_customers(
        ctx.work.session,
        ctx.tenant.id,
        after=decode_cursor(cursor),
        limit=limit + 1,
        name=q,
        identity=wanted,
        include_merged=include_merged,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = await _answer(ctx, rows, reveal)
    return Page(items=items, next_cursor=encode_cursor(rows[-1].id) if more else None)


@router.get("/{customer_id}", response_model=CustomerOut, summary="One customer")
async def get_customer(ctx: CtxDep, customer_id: IdPath, reveal: Reveal = False) -> CustomerOut:
    ctx.access.require(Permission.CUSTOMERS_READ)
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    [answer] = await _answer(ctx, [customer], reveal)
    return answer


@router.post(
    "", response_model=CustomerOut, status_code=status.HTTP_201_CREATED, summary="New customer"
)
async def create_customer(ctx: CtxDep, data: CustomerIn, reveal: Reveal = False) -> CustomerOut:
    given = {name for name in data.model_fields_set if getattr(data, name)}
    service.check_write_rights(ctx.access, given)
    customer = await service.create_customer(ctx.work, ctx.tenant, data)
    return await _change(ctx, customer, reveal)


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change a customer")
async def patch_customer(
    ctx: CtxDep, customer_id: IdPath, data: CustomerPatch, reveal: Reveal = False
) -> CustomerOut:
    service.check_write_rights(ctx.access, set(data.model_fields_set))
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    await service.update_customer(ctx.work, ctx.tenant, customer, data)
    return await _change(ctx, customer, reveal)


@router.post(
    "/{customer_id}/identities",
    response_model=CustomerOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an identity (409 if another customer has it)",
)
async def add_identity(
    ctx: CtxDep, customer_id: IdPath, data: IdentityIn, reveal: Reveal = False
) -> CustomerOut:
    service.check_write_rights(ctx.access, set())
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    await service.add_identity(ctx.work, ctx.tenant, customer, IdentityClaim(data.kind, data.value))
    return await _change(ctx, customer, reveal)


@router.delete(
    "/{customer_id}/identities/{identity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an identity",
)
async def remove_identity(ctx: CtxDep, customer_id: IdPath, identity_id: IdPath) -> Response:
    service.check_write_rights(ctx.access, set())
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    await service.remove_identity(ctx.work, ctx.tenant, customer, identity_id)
    await ctx.work.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _merge_out(row: CustomerMerge) -> MergeOut:
    return MergeOut.model_validate(row, from_attributes=True)


@router.post(
    "/{customer_id}/merge",
    response_model=MergeOut,
    status_code=status.HTTP_201_CREATED,
    summary="Merge another customer (source_id) into this one",
)
async def merge_customer(ctx: CtxDep, customer_id: IdPath, data: MergeIn) -> MergeOut:
    ctx.access.require(Permission.CUSTOMERS_MERGE)
    row = await merge.merge_customers(ctx.work, ctx.tenant, customer_id, data.source_id)
    await ctx.work.commit()
    return _merge_out(row)


@router.get(
    "/{customer_id}/merges",
    response_model=list[MergeOut],
    summary="The merges a customer took part in, newest first",
)
async def list_merges(ctx: CtxDep, customer_id: IdPath) -> list[MergeOut]:
    ctx.access.require(Permission.CUSTOMERS_READ)
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    rows = await service.merges_of(ctx.work.session, ctx.tenant.id, customer.id)
    return [_merge_out(row) for row in rows]


@router.post(
    "/merges/{merge_id}/undo",
    response_model=MergeOut,
    summary="Undo a merge: move back exactly what it moved",
)
async def undo_merge(ctx: CtxDep, merge_id: IdPath) -> MergeOut:
    ctx.access.require(Permission.CUSTOMERS_MERGE)
    row = await merge.undo_merge(ctx.work, ctx.tenant, merge_id)
    await ctx.work.commit()
    return _merge_out(row)


def _suggestion_out(row: MergeSuggestion) -> SuggestionOut:
    return SuggestionOut.model_validate(row, from_attributes=True)


@router.get(
    "/{customer_id}/suggestions",
    response_model=list[SuggestionOut],
    summary="Suggested merges the customer takes part in (open ones unless decided=true)",
)
async def list_suggestions(
    ctx: CtxDep, customer_id: IdPath, decided: bool = False
) -> list[SuggestionOut]:
    ctx.access.require(Permission.CUSTOMERS_READ)
    customer = await service.get_customer_or_raise(ctx.work, ctx.tenant, customer_id)
    rows = await suggestions.suggestions_of(
        ctx.work, ctx.tenant, customer.id, only_open=not decided
    )
    return [_suggestion_out(row) for row in rows]


@router.post(
    "/suggestions/{suggestion_id}/confirm",
    response_model=SuggestionOut,
    summary="Confirm a suggested merge: the visitor's customer is merged into the one on file",
)
async def confirm_suggestion(ctx: CtxDep, suggestion_id: IdPath) -> SuggestionOut:
    ctx.access.require(Permission.CUSTOMERS_MERGE)
    row = await suggestions.confirm(ctx.work, ctx.tenant, suggestion_id)
    await ctx.work.commit()
    return _suggestion_out(row)


@router.post(
    "/suggestions/{suggestion_id}/dismiss",
    response_model=SuggestionOut,
    summary="Dismiss a suggested merge: not the same person",
)
async def dismiss_suggestion(ctx: CtxDep, suggestion_id: IdPath) -> SuggestionOut:
    ctx.access.require(Permission.CUSTOMERS_MERGE)
    row = await suggestions.dismiss(ctx.work, ctx.tenant, suggestion_id)
    await ctx.work.commit()
    return _suggestion_out(row)
