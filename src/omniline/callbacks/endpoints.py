"""HTTP endpoints of callbacks: promise one in a contact, list, read, reschedule, cancel.

The number to call is personal data: answers mask it unless `reveal=true` is asked for by a
caller who may read phone numbers, and each such answer is audited.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from omniline.api.deps import CtxDep, Cursor, IdPath, Limit
from omniline.auth.permissions import Permission
from omniline.callbacks import service
from omniline.callbacks.schemas import CallbackIn, CallbackOut, CallbackPatch, CancelIn
from omniline.interactions import service as interactions
from omniline.kit.pagination import Page, decode_cursor, encode_cursor
from omniline.models import CallbackStatus

router = APIRouter(tags=["callbacks"])

BASE = "/tenants/{tenant}/callbacks"
ONE = BASE + "/{callback_id}"
Reveal = Annotated[
    bool,
    Query(description="show the number unmasked (needs pii.phone.read; the read is audited)"),
]


@router.post(
    "/tenants/{tenant}/interactions/{interaction_id}/callbacks",
    response_model=CallbackOut,
    status_code=201,
    summary="Promise the customer a callback: an outbound call in the same case when it is due",
)
async def create_callback(
    ctx: CtxDep, interaction_id: IdPath, body: CallbackIn, reveal: Reveal = False
) -> CallbackOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    source = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    view = await service.schedule(ctx.work, ctx.access, source, body)
    [answer] = service.present(ctx.work, ctx.access, [view], reveal=reveal)
    await ctx.work.commit()
    return answer


@router.get(BASE, response_model=Page[CallbackOut], summary="The tenant's callbacks, oldest first")
async def list_callbacks(
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    status: Annotated[CallbackStatus | None, Query()] = None,
    due_from: Annotated[AwareDatetime | None, Query(description="due at or after")] = None,
    due_to: Annotated[AwareDatetime | None, Query(description="due before")] = None,
    agent_id: Annotated[
        uuid.UUID | None,
        Query(description="offered by, promised for, or handled by this person"),
    ] = None,
    case_id: Annotated[uuid.UUID | None, Query()] = None,
    interaction_id: Annotated[
        uuid.UUID | None, Query(description="offered in, or made as, this contact")
    ] = None,
    reveal: Reveal = False,
) -> Page[CallbackOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    rows = await service.list_callbacks(
        ctx.work.session,
        ctx.tenant.id,
        after=decode_cursor(cursor),
        limit=limit + 1,
        status=status,
        due_from=due_from,
        due_to=due_to,
        agent_id=agent_id,
        case_id=case_id,
        interaction_id=interaction_id,
    )
    views = [service.CallbackView(row, st) for row, st in rows[:limit]]
    items = service.present(ctx.work, ctx.access, views, reveal=reveal)
    if reveal:
        await ctx.work.commit()
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if more and items else None)


@router.get(ONE, response_model=CallbackOut, summary="One callback")
async def get_callback(ctx: CtxDep, callback_id: IdPath, reveal: Reveal = False) -> CallbackOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    view = await service.get_callback_or_raise(ctx.work, ctx.tenant, callback_id)
    [answer] = service.present(ctx.work, ctx.access, [view], reveal=reveal)
    if reveal:
        await ctx.work.commit()
    return answer


@router.patch(
    ONE,
    response_model=CallbackOut,
    summary="Reschedule a callback waiting for its time: a new due time, window, number or note",
)
async def update_callback(
    ctx: CtxDep, callback_id: IdPath, body: CallbackPatch, reveal: Reveal = False
) -> CallbackOut:
    view = await service.get_callback_or_raise(ctx.work, ctx.tenant, callback_id)
    view = await service.reschedule(ctx.work, ctx.access, view, body)
    [answer] = service.present(ctx.work, ctx.access, [view], reveal=reveal)
    await ctx.work.commit()
    return answer


@router.post(
    ONE + "/cancel", response_model=CallbackOut, summary="Call off a callback waiting for its time"
)
async def cancel_callback(
    ctx: CtxDep, callback_id: IdPath, body: CancelIn | None = None
) -> CallbackOut:
    view = await service.get_callback_or_raise(ctx.work, ctx.tenant, callback_id)
    view = await service.cancel(ctx.work, ctx.access, view, body.reason if body else "")
    [answer] = service.present(ctx.work, ctx.access, [view], reveal=False)
    await ctx.work.commit()
    return answer
