"""HTTP endpoints of interactions: messages, replies, lifecycle steps, event log, moves."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from omniline.api.deps import CtxDep, Cursor, IdPath, Limit
from omniline.auth.permissions import Permission
from omniline.cases import service as cases
from omniline.customers import service as customers
from omniline.interactions import service
from omniline.interactions.schemas import (
    ClassifyIn,
    EventOut,
    InteractionOut,
    MessageOut,
    MoveIn,
    OutboundIn,
    ReplyIn,
    StepIn,
)
from omniline.kit.pagination import Page, decode_cursor, page_of
from omniline.models import InteractionStatus

router = APIRouter(tags=["interactions"])

BASE = "/tenants/{tenant}/interactions"
ONE = BASE + "/{interaction_id}"


@router.get(
    BASE, response_model=Page[InteractionOut], summary="The tenant's interactions, oldest first"
)
async def list_interactions(
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    case_id: Annotated[uuid.UUID | None, Query()] = None,
    customer_id: Annotated[uuid.UUID | None, Query()] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[InteractionStatus | None, Query()] = None,
    agent_id: Annotated[uuid.UUID | None, Query()] = None,
    needs_reason: Annotated[
        bool | None, Query(description="wrapped up without the reason the tenant requires")
    ] = None,
    start: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=40,
            description="created from: a day (the tenant's) or a time with its zone",
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to",
            max_length=40,
            description="created before: a time with its zone, or up to the end of a day",
        ),
    ] = None,
) -> Page[InteractionOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    created_from, created_before = service.parse_period(ctx.tenant, start, end)
    rows = await service.list_interactions(
        ctx.work.session,
        ctx.tenant.id,
        after=decode_cursor(cursor),
        limit=limit + 1,
        case_id=case_id,
        customer_id=customer_id,
        channel=channel,
        status=status,
        agent_id=agent_id,
        needs_reason=needs_reason,
        created_from=created_from,
        created_before=created_before,
    )
    return page_of(rows, limit, InteractionOut.model_validate)


@router.post(
    BASE,
    response_model=InteractionOut,
    status_code=201,
    summary="Start an outbound contact (joins the customer's open case or opens one)",
)
async def start_interaction(ctx: CtxDep, body: OutboundIn) -> InteractionOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    customer = await customers.get_customer_or_raise(ctx.work, ctx.tenant, body.customer_id)
    case = None
    if body.case_id is not None:
        case = await cases.get_case_or_raise(ctx.work, ctx.tenant, body.case_id)
    row = await service.start_outbound(
        ctx.work, ctx.tenant, customer, channel=body.channel, case=case, subject=body.subject
    )
    await ctx.work.commit()
    return InteractionOut.model_validate(row)


@router.get(ONE, response_model=InteractionOut, summary="One interaction")
async def get_interaction(ctx: CtxDep, interaction_id: IdPath) -> InteractionOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    return InteractionOut.model_validate(row)


@router.get(
    ONE + "/messages",
    response_model=Page[MessageOut],
    summary="An interaction's messages in order (internal notes are shown to people only)",
)
async def list_messages(
    ctx: CtxDep, interaction_id: IdPath, cursor: Cursor = None, limit: Limit = 50
) -> Page[MessageOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    # an API token may feed a customer-facing system: internal notes must not reach it
    rows = await service.list_messages(
        ctx.work.session,
        row.id,
        after=decode_cursor(cursor),
        limit=limit + 1,
        include_internal=ctx.access.principal.user is not None,
    )
    return page_of(rows, limit, MessageOut.model_validate)


@router.post(
    ONE + "/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Reply to the customer (queued, then sent by the worker) or add an internal note",
)
async def post_message(ctx: CtxDep, interaction_id: IdPath, body: ReplyIn) -> MessageOut:
    ctx.access.require(Permission.MESSAGES_SEND)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    message = service.reply(
        ctx.work,
        ctx.tenant,
        row,
        body=body.body,
        content_type=body.content_type,
        internal=body.internal,
    )
    await ctx.work.commit()
    return MessageOut.model_validate(message)


@router.get(
    ONE + "/events", response_model=list[EventOut], summary="The interaction's lifecycle log"
)
async def list_events(ctx: CtxDep, interaction_id: IdPath) -> list[EventOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    events = await service.interaction_events(ctx.work.session, ctx.tenant.id, row.id)
    return [
        EventOut(
            id=e.seq,
            kind=e.kind,
            occurred_at=e.occurred_at,
            actor_id=e.actor_id,
            customer_id=e.customer_id,
            case_id=e.case_id,
            data=dict(e.data),
        )
        for e in events
    ]


@router.post(
    ONE + "/steps",
    response_model=InteractionOut,
    summary="Move the interaction one lifecycle step (answered, held, ended, wrapped_up ...)",
)
async def post_step(ctx: CtxDep, interaction_id: IdPath, body: StepIn) -> InteractionOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    await service.do_step(
        ctx.work, ctx.tenant, row, body.step, reason_code=body.reason_code, queue=body.queue
    )
    await ctx.work.commit()
    return InteractionOut.model_validate(row)


@router.post(
    ONE + "/move",
    response_model=InteractionOut,
    summary="Move the interaction to another case of the same customer",
)
async def move_interaction(ctx: CtxDep, interaction_id: IdPath, body: MoveIn) -> InteractionOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    case = await cases.get_case_or_raise(ctx.work, ctx.tenant, body.case_id)
    service.move_to_case(ctx.work, ctx.tenant, row, case)
    await ctx.work.commit()
    return InteractionOut.model_validate(row)


@router.post(
    ONE + "/classify",
    response_model=InteractionOut,
    summary="Give a wrapped-up contact its reason (one left needing a reason when its "
    "wrap-up time ran out)",
)
async def classify(ctx: CtxDep, interaction_id: IdPath, body: ClassifyIn) -> InteractionOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    await service.classify(ctx.work, ctx.tenant, row, body.reason_code)
    await ctx.work.commit()
    return InteractionOut.model_validate(row)
