"""FastAPI dependencies: the runtime, the caller, their tenant, and the unit of work."""

import ipaddress
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from omniline.auth import service as auth
from omniline.auth.service import Principal, TenantAccess
from omniline.config import IPNetwork
from omniline.journal.work import Work
from omniline.kit.egress import EgressPolicy
from omniline.kit.errors import Unauthorized
from omniline.models import Tenant

if TYPE_CHECKING:
    from omniline.runtime import Runtime

SameSite = Literal["lax", "strict"]
bearer = HTTPBearer(auto_error=False, description="A login session token or an API token")


def get_runtime(request: HTTPConnection) -> "Runtime":
    """The installation's runtime."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_egress(request: Request) -> EgressPolicy:
    """Where this installation connects on a tenant's behalf (its egress policy)."""
    return get_runtime(request).settings.egress


EgressDep = Annotated[EgressPolicy, Depends(get_egress)]


def public_root(request: Request) -> str:
    """Where customers reach this installation (for links sent to them), without a final /."""
    return (get_runtime(request).settings.public_url or str(request.base_url)).rstrip("/")


def client_ip(request: HTTPConnection) -> str | None:
    """The caller's address: the connecting peer, or, when the peer is a proxy the settings
    trust, the nearest untrusted address of X-Forwarded-For (proxies append to it)."""
    peer = request.client.host if request.client else None
    networks = get_runtime(request).settings.proxy_networks
    if peer is None or not _trusted(peer, networks):
        return peer
    chain = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    chain = [a for a in chain if a]
    for address in reversed(chain):
        if not _trusted(address, networks):
            return address
    return chain[0] if chain else peer  # only proxies: the farthest is the best we know


def is_https(request: HTTPConnection) -> bool:
    """Whether the client reached us over HTTPS (directly, or through a trusted proxy)."""
    if request.url.scheme in ("https", "wss"):
        return True
    peer = request.client.host if request.client else None
    if peer is None or not _trusted(peer, get_runtime(request).settings.proxy_networks):
        return False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https"


SESSION_COOKIE = "omniline_session"


def set_session_cookie(
    request: HTTPConnection, response: Response, token: str, *, samesite: SameSite = "strict"
) -> None:
    """The login session as an HttpOnly cookie; Secure when the client came over HTTPS."""
    hours = get_runtime(request).settings.session_ttl_hours
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hours * 3600,
        httponly=True,
        samesite=samesite,
        secure=is_https(request),
    )


def _trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # not an address (a test client's name, a forged header): never trusted
    return any(ip in network for network in networks)


async def get_work(request: Request) -> AsyncIterator[Work]:
    """A unit of work for this request; rolled back unless the endpoint commits."""
    work = get_runtime(request).work()
    try:
        yield work
    finally:
        await work.session.close()


WorkDep = Annotated[Work, Depends(get_work)]


async def get_principal(
    request: Request,
    work: WorkDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The authenticated caller; 401 without a valid bearer token."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("log in or send an API token as 'Authorization: Bearer <token>'")
    principal = await auth.authenticate(work.session, token, client_ip(request))
    work.actor = principal.actor
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True)
class Ctx:
    """An endpoint's context inside a tenant: the unit of work and the caller's access."""

    work: Work
    access: TenantAccess

    @property
    def tenant(self) -> Tenant:
        """The tenant being worked on."""
        return self.access.tenant


TenantRef = Annotated[
    str, Path(min_length=1, max_length=63, description="tenant slug or id", examples=["demo-bank"])
]


async def get_ctx(tenant: TenantRef, work: WorkDep, principal: PrincipalDep) -> Ctx:
    """The caller inside the tenant named in the path; 404 if they have no access to it."""
    access = await auth.access_tenant(work.session, principal, tenant)
    return Ctx(work, access)


async def get_token_ctx(
    request: Request,
    work: WorkDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Ctx:
    """The tenant of the calling API token (cached for a few seconds: machine calls are many)."""
    cache = get_runtime(request).token_cache
    token = credentials.credentials if credentials else ""
    access, epoch = await cache.get(token) if token else (None, 0)
    if access is None:
        principal = await get_principal(request, work, credentials)
        access = await auth.token_tenant_access(work.session, principal)
        await work.commit()  # the token's last use, if it was recorded
        cache.put(token, access, epoch)
    work.actor = access.actor
    return Ctx(work, access)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
TokenCtxDep = Annotated[Ctx, Depends(get_token_ctx)]

Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
IdPath = Annotated[uuid.UUID, Path()]
