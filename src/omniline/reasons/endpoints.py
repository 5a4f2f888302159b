"""HTTP endpoints of the contact-reason taxonomy."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from omniline.api.deps import CtxDep, IdPath
from omniline.auth.permissions import Permission
from omniline.kit.errors import Conflict
from omniline.reasons import service
from omniline.reasons.schemas import ReasonCreate, ReasonNode, ReasonOut, ReasonPatch

router = APIRouter(tags=["reasons"])

BASE = "/tenants/{tenant}/reasons"


@router.get(
    BASE,
    response_model=list[ReasonNode] | list[ReasonOut],
    summary="The tenant's contact reasons: a flat list by code, or nested with ?tree=true",
)
async def list_reasons(
    ctx: CtxDep,
    tree: Annotated[bool, Query(description="nest sub-reasons under their parents")] = False,
    active: Annotated[bool | None, Query(description="only active (or inactive) reasons")] = None,
) -> list[ReasonNode] | list[ReasonOut]:
    rows = await service.list_reasons(ctx.work.session, ctx.tenant.id)
    if tree:
        nodes = ReasonNode.tree(rows)
        return _prune(nodes, active) if active is not None else nodes
    return [ReasonOut.model_validate(r) for r in rows if active is None or r.active == active]


def _prune(nodes: list[ReasonNode], active: bool) -> list[ReasonNode]:
    """Keep the nodes whose `active` matches; an active filter drops inactive subtrees."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children, active)
        if node.active == active:
            kept.append(node)
        elif not active:
            kept.extend(node.children)
    return kept


@router.post(BASE, response_model=ReasonOut, status_code=201, summary="Add a contact reason")
async def create_reason(ctx: CtxDep, body: ReasonCreate) -> ReasonOut:
    ctx.access.require(Permission.REASONS_MANAGE)
    row = await service.create_reason(
        ctx.work,
        ctx.tenant,
        code=body.code,
        name=body.name,
        names=body.names,
        parent_id=body.parent_id,
        description=body.description,
    )
    try:
        await ctx.work.commit()
    except IntegrityError as exc:  # the same code added at the same moment by someone else
        await ctx.work.rollback()
        raise Conflict(f"a reason with code '{body.code}' already exists") from exc
    return ReasonOut.model_validate(row)


@router.get(BASE + "/{reason_id}", response_model=ReasonOut, summary="One contact reason")
async def get_reason(ctx: CtxDep, reason_id: IdPath) -> ReasonOut:
    row = await service.get_reason_or_raise(ctx.work, ctx.tenant, reason_id)
    return ReasonOut.model_validate(row)


@router.patch(
    BASE + "/{reason_id}",
    response_model=ReasonOut,
    summary="Rename (also per language), describe, (de)activate or move a reason (no cycles)",
)
async def update_reason(ctx: CtxDep, reason_id: IdPath, body: ReasonPatch) -> ReasonOut:
    ctx.access.require(Permission.REASONS_MANAGE)
    row = await service.get_reason_or_raise(ctx.work, ctx.tenant, reason_id)
    await service.update_reason(
        ctx.work,
        ctx.tenant,
        row,
        name=body.name,
        names=body.names,
        description=body.description,
        active=body.active,
        parent_id=body.parent_id,
        to_top="parent_id" in body.model_fields_set and body.parent_id is None,
    )
    await ctx.work.commit()
    return ReasonOut.model_validate(row)
