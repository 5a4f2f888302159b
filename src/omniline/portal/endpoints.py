"""The portal's API: deflection numbers for editors and analytics, status links for agents."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from omniline.api.deps import CtxDep, IdPath, get_runtime, public_root
from omniline.auth.permissions import Permission
from omniline.cases import service as cases
from omniline.kit.clock import utcnow
from omniline.kit.errors import InvalidInput
from omniline.portal import status, visits
from omniline.portal.schemas import (
    ArticleDeflectionOut,
    DeflectionOut,
    OutcomesOut,
    ReasonDeflectionOut,
    StatusLinkOut,
)

router = APIRouter(tags=["portal"])


def _outcomes(made: visits.Outcomes) -> OutcomesOut:
    return OutcomesOut(**vars(made), deflection_rate=made.deflection_rate)


@router.get(
    "/tenants/{tenant}/portal/deflection",
    response_model=DeflectionOut,
    summary="Help-portal visits that ended without a contact vs those that became one",
)
async def deflection(
    ctx: CtxDep,
    since: Annotated[
        datetime | None, Query(description="visits started from (default: 30 days ago)")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="visits started before (default: now)")
    ] = None,
) -> DeflectionOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    until = until or utcnow()
    since = since or until - timedelta(days=30)
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("give since and until with a time zone, e.g. 2026-11-01T00:00:00Z")
    if since >= until:
        raise InvalidInput("since must be before until")
    made = await visits.deflection(ctx.work, ctx.tenant, since=since, until=until)
    return DeflectionOut(
        since=made.since,
        until=made.until,
        total=_outcomes(made.total),
        articles=[
            ArticleDeflectionOut(
                article_id=a.article_id, title=a.title, outcomes=_outcomes(a.outcomes)
            )
            for a in made.articles
        ],
        reasons=[
            ReasonDeflectionOut(
                reason_id=r.reason_id, code=r.code, name=r.name, outcomes=_outcomes(r.outcomes)
            )
            for r in made.reasons
        ],
    )


@router.post(
    "/tenants/{tenant}/cases/{case_id}/status-link",
    response_model=StatusLinkOut,
    summary="A signed link for the customer to follow their case on the help portal",
)
async def status_link(request: Request, ctx: CtxDep, case_id: IdPath) -> StatusLinkOut:
    ctx.access.require(Permission.CASES_WRITE)
    case = await cases.get_case_or_raise(ctx.work, ctx.tenant, case_id)
    token = status.Signer(get_runtime(request).settings.secret_key).link(ctx.tenant, case)
    ctx.work.audit(ctx.tenant.id, "case.status_link_made", "case", case.id)
    await ctx.work.commit()
    return StatusLinkOut(
        url=f"{public_root(request)}/help/{ctx.tenant.slug}/status/link/{token}",
        expires_in_days=status.LINK_DAYS,
    )
