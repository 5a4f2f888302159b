"""HTTP endpoints of cases."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from omniline.api.deps import Ctx, CtxDep, Cursor, IdPath, Limit
from omniline.auth.permissions import Permission
from omniline.cases import service
from omniline.cases.schemas import CaseCreate, CaseDetail, CaseInteraction, CaseOut, CasePatch
from omniline.customers import service as customers
from omniline.interactions import service as interactions
from omniline.kit.errors import InvalidInput
from omniline.kit.pagination import Page, decode_cursor, page_of
from omniline.models import Case, CaseStatus

router = APIRouter(tags=["cases"])

BASE = "/tenants/{tenant}/cases"
# how many of a case's interactions its detail shows
DETAIL_INTERACTIONS = 50


@router.get(BASE, response_model=Page[CaseOut], summary="The tenant's cases, oldest first")
async def list_cases(
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    customer_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
) -> Page[CaseOut]:
    ctx.access.require(Permission.CASES_READ)
    rows = await service.list_cases(
        ctx.work.session,
        ctx.tenant.id,
        after=decode_cursor(cursor),
        limit=limit + 1,
        customer_id=customer_id,
        status=status,
    )
    return page_of(rows, limit, CaseOut.model_validate)


@router.post(BASE, response_model=CaseDetail, status_code=201, summary="Open a case by hand")
async def create_case(ctx: CtxDep, body: CaseCreate) -> CaseDetail:
    ctx.access.require(Permission.CASES_WRITE)
    customer = await customers.get_customer_or_raise(ctx.work, ctx.tenant, body.customer_id)
    case = await service.create_case(
        ctx.work,
        ctx.tenant,
        customer,
        channel=body.channel,
        subject=body.subject,
        priority=body.priority,
        reason_id=body.reason_id,
        owner_id=body.owner_id,
    )
    await ctx.work.commit()
    return await _detail(ctx, case)


@router.get(BASE + "/{case_id}", response_model=CaseDetail, summary="A case and its interactions")
async def get_case(ctx: CtxDep, case_id: IdPath) -> CaseDetail:
    ctx.access.require(Permission.CASES_READ)
    case = await service.get_case_or_raise(ctx.work, ctx.tenant, case_id)
    return await _detail(ctx, case)


@router.get(
    BASE + "/by-number/{number}",
    response_model=CaseDetail,
    summary="A case by its number (the one customers and staff quote)",
)
async def get_case_by_number(
    # case numbers are 32-bit integers in the database: a larger one is refused here, not a 500
    ctx: CtxDep,
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> CaseDetail:
    ctx.access.require(Permission.CASES_READ)
    case = await service.get_case_by_number_or_raise(ctx.work, ctx.tenant, number)
    return await _detail(ctx, case)


@router.patch(
    BASE + "/{case_id}",
    response_model=CaseDetail,
    summary="Change a case's status (allowed moves only), priority, reason, owner or subject",
)
async def update_case(ctx: CtxDep, case_id: IdPath, body: CasePatch) -> CaseDetail:
    ctx.access.require(Permission.CASES_WRITE)
    case = await service.get_case_or_raise(ctx.work, ctx.tenant, case_id)
    await service.update_case(
        ctx.work,
        ctx.tenant,
        case,
        priority=body.priority,
        reason_id=body.reason_id,
        owner_id=body.owner_id,
        subject=body.subject,
        unset=body.cleared(),
    )
    if body.end_open_contacts is not None and body.status not in service.DONE_STATUSES:
        raise InvalidInput("end_open_contacts goes with the status resolved or closed")
    if body.status is not None:
        await interactions.close_case(
            ctx.work, ctx.tenant, case, body.status, end_open=body.end_open_contacts
        )
    await ctx.work.commit()
    return await _detail(ctx, case)


async def _detail(ctx: Ctx, case: Case) -> CaseDetail:
    rows, total = await interactions.case_interactions(
        ctx.work.session, ctx.tenant.id, case.id, limit=DETAIL_INTERACTIONS
    )
    return CaseDetail.model_validate(
        {
            **CaseOut.model_validate(case).model_dump(),
            "interactions": [CaseInteraction.model_validate(r) for r in rows],
            "interaction_count": total,
        }
    )
