"""Log in and out, who am I, and the tenant's API tokens."""

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from omniline.api.deps import (
    CtxDep,
    IdPath,
    PrincipalDep,
    WorkDep,
    client_ip,
    get_runtime,
    set_session_cookie,
)
from omniline.auth import service
from omniline.auth.permissions import DEFAULT_TOKEN_SCOPES, Permission, parse_permissions
from omniline.auth.schemas import (
    LoginIn,
    LoginOut,
    MembershipOut,
    MeOut,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from omniline.kit.errors import Unauthorized
from omniline.models import ApiToken

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=LoginOut)
async def login(body: LoginIn, request: Request, response: Response, work: WorkDep) -> LoginOut:
    """Exchange e-mail and password for a session token (also set as an HttpOnly cookie).

    Failed logins are audited and throttled per account and per address (429 with
    Retry-After while a client must wait)."""
    settings = get_runtime(request).settings
    attempt = service.LoginAttempt(body.email, body.password, client_ip(request))
    ttl = timedelta(hours=settings.session_ttl_hours)
    try:
        token, user = await service.login(work, attempt, ttl=ttl, secret=settings.secret_key)
    except Unauthorized:
        await work.commit()  # the failure is counted and audited
        raise
    await work.commit()
    set_session_cookie(request, response, token)
    return LoginOut(token=token, user_id=user.id, expires_in=settings.session_ttl_hours * 3600)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, response: Response, work: WorkDep, who: PrincipalDep) -> None:
    """Close the current login session."""
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ").strip() or request.cookies.get("omniline_session", "")
    await service.logout(work.session, token)
    await work.commit()
    await get_runtime(request).token_cache.revoked()  # its open sockets close
    response.delete_cookie("omniline_session")


@router.get("/me", response_model=MeOut)
async def me(work: WorkDep, who: PrincipalDep) -> MeOut:
    """The caller and the tenants they work on."""
    if who.token is not None:
        return MeOut(
            id=who.token.id,
            kind="token",
            email=None,
            name=who.token.name,
            superuser=False,
            tenants=[],
        )
    assert who.user is not None
    rows = await service.tenants_of(work.session, who)
    tenants = [
        MembershipOut(
            tenant_id=t.id, slug=t.slug, name=t.name, role=r.name, permissions=r.permissions
        )
        for t, r in rows
    ]
    user = who.user
    return MeOut(
        id=user.id,
        kind="user",
        email=user.email,
        name=user.name,
        superuser=user.is_superuser,
        tenants=tenants,
    )


def _token_out(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


@router.get("/tenants/{tenant}/tokens", response_model=list[TokenOut])
async def list_tokens(ctx: CtxDep) -> list[TokenOut]:
    """The tenant's API tokens (never their secrets)."""
    ctx.access.require(Permission.TOKENS_MANAGE)
    rows = await ctx.work.session.scalars(
        select(ApiToken).where(ApiToken.tenant_id == ctx.tenant.id).order_by(ApiToken.created_at)
    )
    return [_token_out(r) for r in rows]


@router.post("/tenants/{tenant}/tokens", response_model=TokenCreated, status_code=201)
async def create_token(body: TokenIn, ctx: CtxDep) -> TokenCreated:
    """A new API token for systems that feed or read this tenant."""
    ctx.access.require(Permission.TOKENS_MANAGE)
    scopes = parse_permissions(body.scopes) if body.scopes is not None else DEFAULT_TOKEN_SCOPES
    token, row = await service.create_api_token(
        ctx.work, ctx.tenant, body.name, scopes, by=ctx.access
    )
    await ctx.work.commit()
    return TokenCreated(**_token_out(row).model_dump(), token=token)


@router.delete("/tenants/{tenant}/tokens/{token_id}", response_model=TokenOut)
async def revoke_token(token_id: IdPath, ctx: CtxDep, request: Request) -> TokenOut:
    """Revoke an API token; it stops working at once."""
    ctx.access.require(Permission.TOKENS_MANAGE)
    row = await service.revoke_api_token(ctx.work, ctx.tenant, token_id)
    await ctx.work.commit()
    await get_runtime(request).token_cache.revoked()
    return _token_out(row)
