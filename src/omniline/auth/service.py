"""Authentication of callers and their access to a tenant."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.auth.permissions import Permission
from omniline.auth.secrets import (
    SESSION_PREFIX,
    TOKEN_PREFIX,
    new_token,
    token_digest,
    verify_password,
)
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Forbidden, NotFound, Unauthorized
from omniline.kit.ids import new_id
from omniline.limits import service as limits
from omniline.models import ApiToken, LoginSession, Membership, Role, Tenant, User

# failed logins: a few are free, then each try waits longer (per account and per address);
# unknown accounts are counted the same way, so throttling tells nothing about who exists
LOGIN_BY_ACCOUNT = limits.Backoff(
    "login.account",
    free=5,
    window=timedelta(hours=1),
    first=timedelta(seconds=2),
    longest=timedelta(minutes=15),
    message="too many failed logins for this e-mail address: wait, then try again",
)
LOGIN_BY_ADDRESS = limits.Backoff(
    "login.address",
    free=20,
    window=timedelta(hours=1),
    first=timedelta(seconds=1),
    longest=timedelta(minutes=15),
    message="too many failed logins from your address: wait, then try again",
)
WRONG_LOGIN = "e-mail or password is wrong"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person (by login session) or a system (by API token)."""

    actor: Actor
    user: User | None = None
    token: ApiToken | None = None

    @property
    def is_superuser(self) -> bool:
        """Installation operators may manage tenants."""
        return self.user is not None and self.user.is_superuser


@dataclass(frozen=True)
class TenantAccess:
    """A principal acting inside one tenant, with the permissions it has there."""

    tenant: Tenant
    principal: Principal
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    @property
    def actor(self) -> Actor:
        """The actor recorded in events and audit entries."""
        return self.principal.actor

    def can(self, permission: Permission) -> bool:
        """Whether the caller holds a permission in this tenant."""
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise 403 unless the caller holds a permission in this tenant."""
        if permission not in self.permissions:
            raise Forbidden(f"this action needs the permission '{permission}'")

    def require_all(self, permissions: Iterable[str], doing: str) -> None:
        """Raise 403 unless the caller holds every one of `permissions`: nobody grants,
        hands out or takes away more than they hold themselves."""
        missing = sorted(set(permissions) - set(self.permissions))
        if missing:
            raise Forbidden(
                f"{doing} needs permissions you do not hold: {', '.join(missing)}",
                missing=missing,
            )


@dataclass(frozen=True)
class LoginAttempt:
    """What a person typed to log in, and where from."""

    email: str
    password: str
    ip: str | None


async def login(
    work: Work, attempt: LoginAttempt, *, ttl: timedelta, secret: str
) -> tuple[str, User]:
    """Check a password and open a login session; returns its bearer token.

    Throttled per account and per address (429 while a client must wait); a failure is
    counted and audited in `work`, so the caller commits before answering it. Every attempt
    that is not throttled costs one password hash check, known account or not.
    """
    email = attempt.email.strip().lower()
    account = limits.client_key(secret, f"account:{email}")
    address = limits.client_key(secret, attempt.ip)
    await limits.check_backoff(work, None, LOGIN_BY_ADDRESS, address)
    await limits.check_backoff(work, None, LOGIN_BY_ACCOUNT, account)
    user = await work.session.scalar(select(User).where(User.email == email))
    matches = verify_password(user.password_hash if user else None, attempt.password)
    if user is None or not matches or not user.is_active:
        limits.record(work, None, LOGIN_BY_ACCOUNT.bucket, account)
        limits.record(work, None, LOGIN_BY_ADDRESS.bucket, address)
        work.actor = Actor(ActorType.SYSTEM, None, attempt.ip)
        work.audit(
            None, "user.login_failed", "user", user.id if user else None, {"email": email[:320]}
        )
        raise Unauthorized(WRONG_LOGIN)
    await limits.forget(work, None, LOGIN_BY_ACCOUNT.bucket, account)
    work.actor = Actor(ActorType.USER, user.id, attempt.ip)
    work.audit(None, "user.logged_in", "user", user.id)
    return open_session(work, user, ttl=ttl, ip=attempt.ip), user


def open_session(work: Work, user: User, *, ttl: timedelta, ip: str | None) -> str:
    """A new login session for a person; returns its bearer token."""
    token = new_token(SESSION_PREFIX)
    work.session.add(
        LoginSession(
            id=new_id(),
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=utcnow() + ttl,
            ip=ip,
        )
    )
    return token


async def revoke_sessions(work: Work, user_id: uuid.UUID) -> None:
    """Close every open login session of a person."""
    await work.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def revoke_tokens_of(
    work: Work, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None
) -> list[ApiToken]:
    """Revoke the API tokens a person made (in one tenant, or everywhere): their secrets
    were shown to that person, and a token made with a stolen session must not outlive it."""
    query = select(ApiToken).where(ApiToken.created_by == user_id, ApiToken.revoked_at.is_(None))
    if tenant_id is not None:
        query = query.where(ApiToken.tenant_id == tenant_id)
    rows = list(await work.session.scalars(query))
    for row in rows:
        row.revoked_at = utcnow()
        work.audit(
            row.tenant_id, "api_token.revoked", "api_token", row.id,
            {"name": row.name, "because": "its maker lost access"},
        )  # fmt: skip
    return rows


async def logout(session: AsyncSession, token: str) -> None:
    """Revoke a login session."""
    row = await session.scalar(
        select(LoginSession).where(LoginSession.token_hash == token_digest(token))
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


async def authenticate(session: AsyncSession, token: str, ip: str | None) -> Principal:
    """Turn a bearer token into a principal, or raise 401."""
    if token.startswith(SESSION_PREFIX):
        return await _authenticate_session(session, token, ip)
    if token.startswith(TOKEN_PREFIX):
        return await _authenticate_api_token(session, token, ip)
    raise Unauthorized("the bearer token is not an Omniline token")


async def _authenticate_session(session: AsyncSession, token: str, ip: str | None) -> Principal:
    row = await session.scalar(
        select(LoginSession).where(LoginSession.token_hash == token_digest(token))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthorized("the login session has expired or was closed: log in again")
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the user is disabled")
    return Principal(actor=Actor(ActorType.USER, user.id, ip), user=user)


async def _authenticate_api_token(session: AsyncSession, token: str, ip: str | None) -> Principal:
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the API token is unknown or was revoked")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # coarse, so that busy integrations do not write on every call
    return Principal(actor=Actor(ActorType.TOKEN, row.id, ip), token=row)


async def access_tenant(session: AsyncSession, principal: Principal, ref: str) -> TenantAccess:
    """The caller's access to a tenant named by slug or id; 404 when they are not in it."""
    tenant = await _find_tenant(session, ref)
    if tenant is None:
        raise NotFound(f"tenant '{ref}' not found")
    if principal.token is not None:
        if principal.token.tenant_id != tenant.id:
            raise NotFound(f"tenant '{ref}' not found")
        return TenantAccess(
            tenant, principal, frozenset(Permission(s) for s in principal.token.scopes)
        )
    assert principal.user is not None
    role = await session.scalar(
        select(Role)
        .join(Membership, Membership.role_id == Role.id)
        .where(Membership.tenant_id == tenant.id, Membership.user_id == principal.user.id)
    )
    if role is None:
        raise NotFound(f"tenant '{ref}' not found")
    return TenantAccess(tenant, principal, frozenset(Permission(p) for p in role.permissions))


async def token_tenant_access(session: AsyncSession, principal: Principal) -> TenantAccess:
    """The tenant an API token belongs to (for endpoints that take no tenant in the path)."""
    if principal.token is None:
        raise NotFound("this endpoint is for API tokens; people use /api/v1/tenants/{tenant}/...")
    return await access_tenant(session, principal, str(principal.token.tenant_id))


async def _find_tenant(session: AsyncSession, ref: str) -> Tenant | None:
    try:
        as_id: uuid.UUID | None = uuid.UUID(ref)
    except ValueError:
        as_id = None
    cond = Tenant.slug == ref if as_id is None else or_(Tenant.id == as_id, Tenant.slug == ref)
    return await session.scalar(select(Tenant).where(cond))


async def tenants_of(session: AsyncSession, principal: Principal) -> list[tuple[Tenant, Role]]:
    """The tenants a person works on, with their role in each."""
    if principal.user is None:
        return []
    rows = await session.execute(
        select(Tenant, Role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.user_id == principal.user.id)
        .order_by(Tenant.name)
    )
    return [(t, r) for t, r in rows.all()]


async def create_api_token(
    work: Work,
    tenant: Tenant,
    name: str,
    scopes: frozenset[Permission],
    *,
    by: TenantAccess | None = None,
) -> tuple[str, ApiToken]:
    """Make an API token for a tenant; the secret is shown once and stored hashed. Made `by`
    a caller in the tenant, it carries only scopes that caller holds."""
    if by is not None:
        by.require(Permission.TOKENS_MANAGE)
        by.require_all(scopes, "a token with these scopes")
    token = new_token(TOKEN_PREFIX)
    row = ApiToken(
        id=new_id(),
        tenant_id=tenant.id,
        name=name,
        token_hash=token_digest(token),
        prefix=token[:10],
        scopes=sorted(scopes),
        created_by=work.actor.user_id,
    )
    work.session.add(row)
    work.audit(
        tenant.id, "api_token.created", "api_token", row.id, {"name": name, "scopes": row.scopes}
    )
    return token, row


async def revoke_api_token(work: Work, tenant: Tenant, token_id: uuid.UUID) -> ApiToken:
    """Revoke a tenant's API token."""
    row = await work.session.get(ApiToken, token_id)
    if row is None or row.tenant_id != tenant.id:
        raise NotFound("API token not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        work.audit(tenant.id, "api_token.revoked", "api_token", row.id, {"name": row.name})
    return row
