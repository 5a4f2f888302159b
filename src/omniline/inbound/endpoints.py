"""The API channel's inbound endpoints, and generic webhooks of channel accounts."""

import uuid
from collections.abc import Mapping

from fastapi import APIRouter, Request
from sqlalchemy import select

from omniline.api.deps import Ctx, CtxDep, TokenCtxDep, get_runtime
from omniline.auth.permissions import Permission
from omniline.channels.base import (
    AccountConfig,
    ChannelAdapter,
    InboundMessage,
    ParseFailed,
    VerificationFailed,
)
from omniline.inbound.failures import store_failure
from omniline.inbound.schemas import InboundAccepted
from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput, NotFound, Unauthorized
from omniline.models import ChannelAccount, Tenant
from omniline.tenants.service import get_tenant

router = APIRouter(tags=["inbound"])

INBOUND_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/InboundPayload"}}
        },
    }
}


@router.post(
    "/inbound",
    response_model=InboundAccepted,
    openapi_extra=INBOUND_BODY,
    summary="Accept a message from a web form, app or any system (tenant of the API token)",
)
async def post_inbound(request: Request, ctx: TokenCtxDep) -> InboundAccepted:
    return await _inbound(request, ctx)


@router.post(
    "/tenants/{tenant}/inbound",
    response_model=InboundAccepted,
    openapi_extra=INBOUND_BODY,
    summary="Accept a message into a tenant (people registering branch or post contacts)",
)
async def post_tenant_inbound(request: Request, ctx: CtxDep) -> InboundAccepted:
    return await _inbound(request, ctx)


async def _inbound(request: Request, ctx: Ctx) -> InboundAccepted:
    ctx.access.require(Permission.INBOUND_WRITE)
    adapter = get_runtime(request).channels.get("api")
    account = AccountConfig(ctx.tenant.id, "api", "api")
    [message] = await _parse(request, ctx.work, adapter, account)
    # a person posting here writes down what a customer said (a branch visit, a letter)
    message.registered_by = ctx.work.actor.user_id
    return await _accept(request, ctx.work, ctx.tenant.id, message)


@router.post(
    "/hooks/{tenant}/{account}",
    response_model=list[InboundAccepted],
    summary="Webhook of a channel account: verified and parsed by the account's adapter",
)
async def post_webhook(request: Request, tenant: str, account: str) -> list[InboundAccepted]:
    runtime = get_runtime(request)
    work = runtime.work()
    try:
        found = await _account(work, tenant, account)
        if found is None:
            raise NotFound("no such channel account")
        tenant_row, config = found
        adapter = runtime.channels.get(config.kind)
        body = await request.body()
        try:
            adapter.verify(config, _headers(request), body)
        except VerificationFailed as exc:
            failure_id = await _keep(request, work, config, f"not verified: {exc}", body)
            raise Unauthorized(
                f"the webhook signature does not check out: {exc} (the request was kept as "
                f"failure {failure_id})",
                failure_id=str(failure_id),
            ) from exc
        messages = await _parse(request, work, adapter, config)
        return [await _accept(request, work, tenant_row.id, m) for m in messages]
    finally:
        await work.session.close()


async def _account(work: Work, tenant_ref: str, name: str) -> tuple[Tenant, AccountConfig] | None:
    try:
        tenant = await get_tenant(work.session, uuid.UUID(tenant_ref))
    except ValueError:
        tenant = await get_tenant(work.session, tenant_ref)
    if tenant is None:
        return None
    row = await work.session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == tenant.id, ChannelAccount.name == name
        )
    )
    if row is None or not row.enabled:
        return None
    return tenant, AccountConfig(tenant.id, row.name, row.kind, dict(row.config), row.secret)


def _headers(request: Request) -> Mapping[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


async def _parse(
    request: Request, work: Work, adapter: ChannelAdapter, account: AccountConfig
) -> list[InboundMessage]:
    """Parse with the adapter; a payload it cannot read is stored, then refused with 422."""
    body = await request.body()
    try:
        return adapter.parse(account, _headers(request), body)
    except ParseFailed as exc:
        failure_id = await _keep(request, work, account, str(exc), body)
        raise InvalidInput(
            f"the payload could not be read ({exc}); it was kept as failure {failure_id}",
            failure_id=str(failure_id),
        ) from exc


async def _keep(
    request: Request, work: Work, account: AccountConfig, error: str, body: bytes
) -> uuid.UUID:
    """Store a payload that was refused or could not be read, as it arrived."""
    return await store_failure(
        work,
        tenant_id=account.tenant_id,
        channel=account.name,
        error=error,
        content_type=request.headers.get("content-type"),
        payload=body,
    )


async def _accept(
    request: Request, work: Work, tenant_id: uuid.UUID, message: InboundMessage
) -> InboundAccepted:
    """Hand the message to the ingestor; it answers once the message is committed.

    The request's own transaction (authentication) ends first: the ingestor writes in its
    own transactions, and SQLite has one connection.
    """
    actor = work.actor
    await work.commit()
    landed = await get_runtime(request).ingestor.submit(tenant_id, message, actor)
    return InboundAccepted(
        message_id=landed.message_id,
        interaction_id=landed.interaction_id,
        case_id=landed.case_id,
        case_number=landed.case_number,
        customer_id=landed.customer_id,
        duplicate=landed.duplicate,
        new_case=landed.new_case,
        new_interaction=landed.new_interaction,
    )
