"""HTTP endpoints of the e-mail channel: the tenant's outbound account (administrators) and
the e-mail summary of a conversation (agents, from the desk)."""

from fastapi import APIRouter, Request, Response

from omniline.api.deps import Ctx, CtxDep, EgressDep, IdPath, get_runtime
from omniline.auth.permissions import Permission
from omniline.channels.base import SendFailed
from omniline.channels.email import summary
from omniline.channels.email.adapter import EmailChannel
from omniline.channels.email.schemas import (
    CheckOut,
    EmailAccountIn,
    EmailAccountOut,
    SummaryDraftOut,
    SummaryIn,
    SummaryOut,
)
from omniline.channels.email.settings import (
    KIND,
    EmailAccount,
    EmailConfig,
    get_account,
    get_sending_account_or_raise,
    remove_account,
    save_account,
)
from omniline.customers.identities import mask
from omniline.interactions import service as interactions
from omniline.kit.errors import Conflict, NotFound
from omniline.models import ChannelAccount, CustomerIdentity

router = APIRouter(tags=["e-mail"])
admin_router = APIRouter(tags=["e-mail"])

ACCOUNT = "/tenants/{tenant}/email"
SUMMARY = "/tenants/{tenant}/interactions/{interaction_id}/email-summary"


# --- the e-mail summary ----------------------------------------------------------------------


@router.get(
    SUMMARY,
    response_model=SummaryDraftOut,
    summary="The default e-mail summary of a conversation, to show and edit before sending",
)
async def get_summary_draft(ctx: CtxDep, interaction_id: IdPath) -> SummaryDraftOut:
    ctx.access.require(Permission.MESSAGES_SEND)
    source = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    await get_sending_account_or_raise(ctx.work, ctx.tenant)
    made = await summary.draft(ctx.work, ctx.tenant, source)
    shown = _shows_addresses(ctx, made.addresses)
    answer = SummaryDraftOut(
        to=_address(made.to, shown) if made.to is not None else None,
        addresses=[_address(a, shown) for a in made.addresses],
        masked=not shown and bool(made.addresses),
        subject=made.subject,
        body=made.body,
    )
    await ctx.work.commit()  # the audit entry of the addresses read, if any
    return answer


@router.post(
    SUMMARY,
    response_model=SummaryOut,
    status_code=202,
    summary="Send the customer an e-mail summary (queued; a new e-mail interaction in the case)",
)
async def post_summary(ctx: CtxDep, interaction_id: IdPath, body: SummaryIn) -> SummaryOut:
    ctx.access.require(Permission.MESSAGES_SEND)
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    source = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    queued = await summary.send_summary(
        ctx.work, ctx.tenant, source, to=body.to, subject=body.subject, body=body.body
    )
    shown = ctx.access.can(Permission.PII_EMAIL_READ)
    answer = SummaryOut(
        interaction_id=queued.interaction.id,
        case_id=queued.interaction.case_id,
        message_id=queued.message.id,
        to=_address(queued.to, shown),
        masked=not shown,
        subject=queued.subject,
        delivery_status=queued.message.delivery_status,
    )
    await ctx.work.commit()
    return answer


def _shows_addresses(ctx: Ctx, addresses: list[CustomerIdentity]) -> bool:
    """Whether the caller may read the addresses; reading them is audited, as on customers."""
    if not ctx.access.can(Permission.PII_EMAIL_READ):
        return False
    for customer_id in {a.customer_id for a in addresses}:
        ctx.work.audit(
            ctx.tenant.id, "customer.pii_read", "customer", customer_id, {"fields": ["email"]}
        )
    return True


def _address(identity: CustomerIdentity, shown: bool) -> str:
    return identity.value if shown else mask(identity.kind, identity.value)


# --- the account, for administrators -----------------------------------------------------------


def _account_out(row: ChannelAccount, account: EmailAccount) -> EmailAccountOut:
    config = EmailConfig.model_validate(account.model_dump(exclude={"password"}))
    return EmailAccountOut(
        **config.model_dump(exclude={"smtp_port", "enabled"}),
        enabled=row.enabled,
        smtp_port=config.port,
        smtp_password_set=account.password is not None,
    )


@admin_router.get(ACCOUNT, response_model=EmailAccountOut, summary="Outbound e-mail settings")
async def get_email_account(ctx: CtxDep) -> EmailAccountOut:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    found = await get_account(ctx.work, ctx.tenant)
    if found is None:
        raise NotFound("outbound e-mail is not set up for this tenant: PUT the settings to do so")
    return _account_out(*found)


@admin_router.put(
    ACCOUNT,
    response_model=EmailAccountOut,
    summary="Set up outbound e-mail: the sender and the SMTP server (the password is write-only)",
)
async def put_email_account(
    ctx: CtxDep, body: EmailAccountIn, egress: EgressDep
) -> EmailAccountOut:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    config = EmailConfig.model_validate(body.model_dump(exclude={"smtp_password"}))
    row, account = await save_account(ctx.work, ctx.tenant, config, body.smtp_password, egress)
    await ctx.work.commit()
    return _account_out(row, account)


@admin_router.post(
    ACCOUNT + "/check",
    response_model=CheckOut,
    summary="Try the settings: connect, secure the connection and log in (nothing is sent)",
)
async def check_email_account(request: Request, ctx: CtxDep) -> CheckOut:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    found = await get_account(ctx.work, ctx.tenant)
    if found is None:
        raise NotFound("outbound e-mail is not set up for this tenant: PUT the settings first")
    adapter = get_runtime(request).channels.get(KIND)
    if not isinstance(adapter, EmailChannel):
        raise Conflict("this installation sends e-mail through another adapter")
    await ctx.work.session.close()  # no connection held while the server is asked
    try:
        await adapter.check(found[1])
    except SendFailed as exc:
        return CheckOut(ok=False, error=str(exc), retry=exc.retry)
    return CheckOut(ok=True)


@admin_router.delete(ACCOUNT, status_code=204, summary="Remove the outbound e-mail settings")
async def delete_email_account(ctx: CtxDep) -> Response:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    await remove_account(ctx.work, ctx.tenant)
    await ctx.work.commit()
    return Response(status_code=204)
