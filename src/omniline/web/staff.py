"""Pages for staff: log in, pick a tenant, and the frame the staff pages share.

A page authenticates with the same login session as the API (the HttpOnly cookie set at log
in); every action checks the person's permissions in the tenant on the server, as the API
does. Forms also carry a token bound to the login session.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from omniline.api.deps import WorkDep, client_ip, get_runtime
from omniline.auth import service as auth
from omniline.auth.permissions import Permission
from omniline.auth.service import Principal, TenantAccess
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.errors import DomainError, Unauthorized
from omniline.web import i18n
from omniline.web.templating import check_form_token, form_token, render

router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "omniline_session"  # the API's login cookie


class LoginNeeded(DomainError):
    """No valid login session: pages answer with a redirect to the login page."""

    status_code = 401
    code = "login_needed"


def _session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


async def get_person(request: Request, work: WorkDep) -> Principal:
    """The logged-in person, or LoginNeeded (the page redirects to the login page)."""
    token = _session_token(request)
    if not token:
        raise LoginNeeded("log in first")
    try:
        principal = await auth.authenticate(work.session, token, client_ip(request))
    except Unauthorized as exc:
        raise LoginNeeded(exc.message) from exc
    if principal.user is None:
        raise LoginNeeded("pages are for people: log in with your e-mail")
    work.actor = principal.actor
    return principal


PersonDep = Annotated[Principal, Depends(get_person)]


@dataclass
class StaffPage:
    """A staff page inside a tenant: the request, the unit of work and the person's access."""

    request: Request
    work: Work
    access: TenantAccess
    language: str

    @property
    def tenant_base(self) -> str:
        return f"/t/{self.access.tenant.slug}"

    @property
    def token(self) -> str:
        return staff_form_token(self.request)

    def check_token(self, given: str) -> None:
        if not check_form_token(_secret(self.request), _scope(self.request), given):
            raise DomainError("the form has expired: reload the page and send it again")

    def can(self, permission: Permission) -> bool:
        return self.access.can(permission)

    def page(self, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
        user = self.access.principal.user
        return render(
            self.request,
            name,
            self.language,
            status_code,
            tenant=self.access.tenant,
            base=self.tenant_base,
            person=user,
            form_token=self.token,
            Permission=Permission,
            can=self.can,
            **context,
        )


def _secret(request: Request) -> str:
    return get_runtime(request).settings.secret_key


def _scope(request: Request) -> str:
    digest = hashlib.sha256(_session_token(request).encode()).hexdigest()
    return f"staff:{digest}"


def staff_form_token(request: Request) -> str:
    """The form token of the logged-in person's session."""
    return form_token(_secret(request), _scope(request))


async def get_staff_page(
    tenant_slug: str, request: Request, work: WorkDep, person: PersonDep
) -> StaffPage:
    """The person inside the tenant in the path (404 if they do not work on it)."""
    access = await auth.access_tenant(work.session, person, tenant_slug)
    return StaffPage(request, work, access, i18n.pick_language(request, "en"))


StaffDep = Annotated[StaffPage, Depends(get_staff_page)]


def _safe_next(target: str) -> str:
    """Only paths of this site (no other hosts, no scheme-relative URLs)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/desk"


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/desk") -> HTMLResponse:
    language = i18n.pick_language(request, "en")
    return render(request, "staff/login.html", language, next=_safe_next(next), error="")


@router.post("/login", response_model=None)
async def login(
    request: Request,
    work: WorkDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/desk",
) -> Response:
    language = i18n.pick_language(request, "en")
    settings = get_runtime(request).settings
    try:
        token, user = await auth.login(
            work.session,
            email,
            password,
            ttl=timedelta(hours=settings.session_ttl_hours),
            ip=client_ip(request),
        )
    except Unauthorized as exc:
        return render(
            request, "staff/login.html", language, 401, next=_safe_next(next), error=exc.message
        )
    work.actor = Actor(ActorType.USER, user.id, client_ip(request))
    work.audit(None, "user.logged_in", "user", user.id)
    await work.commit()
    response = RedirectResponse(_safe_next(next), 303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request, work: WorkDep) -> Response:
    token = _session_token(request)
    if token:
        await auth.logout(work.session, token)
        await work.commit()
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/desk", response_class=HTMLResponse)
async def tenants(request: Request, work: WorkDep, person: PersonDep) -> HTMLResponse:
    """The tenants (projects) the person works on."""
    language = i18n.pick_language(request, "en")
    held = await auth.tenants_of(work.session, person)
    return render(
        request,
        "staff/tenants.html",
        language,
        person=person.user,
        held=held,
        form_token=staff_form_token(request),
    )


def login_redirect(request: Request) -> Response:
    """Where a page sends someone who is not logged in."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", 303)
