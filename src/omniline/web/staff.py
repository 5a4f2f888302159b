"""Pages for staff: log in, pick a tenant, and the frame the staff pages share.

A page authenticates with the same login session as the API (the HttpOnly cookie set at log
in); every action checks the person's permissions in the tenant on the server, as the API
does. Forms also carry a token bound to the login session.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from omniline.api.deps import WorkDep, client_ip, get_runtime, is_https, set_session_cookie
from omniline.auth import service as auth
from omniline.auth.permissions import Permission
from omniline.auth.service import Principal, TenantAccess
from omniline.journal.work import Work
from omniline.kit.errors import DomainError, TooManyRequests, Unauthorized
from omniline.users import service as users
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
        _check_staff_token(self.request, given)

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


LOGIN_COOKIE = "omniline_login"  # binds the login form's token to this browser


def _login_form(
    request: Request, next_page: str, error: str = "", status_code: int = 200
) -> HTMLResponse:
    """The login page with a form token bound to a random cookie of the visitor's (another
    site cannot log a visitor in as somebody else: it can neither read nor set that pair)."""
    binding = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    language = i18n.pick_language(request, "en")
    token = form_token(_secret(request), f"login:{binding}")
    response = render(
        request, "staff/login.html", language, status_code,
        next=_safe_next(next_page), error=error, form_token=token,
    )  # fmt: skip
    response.set_cookie(
        LOGIN_COOKIE, binding, httponly=True, samesite="lax", secure=is_https(request),
        path="/login",
    )  # fmt: skip
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/desk") -> HTMLResponse:
    return _login_form(request, next)


@router.post("/login", response_model=None)
async def login(
    request: Request,
    work: WorkDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/desk",
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    binding = request.cookies.get(LOGIN_COOKIE, "")
    if not binding or not check_form_token(_secret(request), f"login:{binding}", token):
        return _login_form(
            request, next, "the form has expired: reload the page and send it again", 400
        )
    settings = get_runtime(request).settings
    attempt = auth.LoginAttempt(email, password, client_ip(request))
    ttl = timedelta(hours=settings.session_ttl_hours)
    try:
        session_token, _ = await auth.login(work, attempt, ttl=ttl, secret=settings.secret_key)
    except Unauthorized as exc:
        await work.commit()  # the failure is counted and audited
        return _login_form(request, next, exc.message, 401)
    except TooManyRequests as exc:
        return _login_form(request, next, exc.message, 429)
    await work.commit()
    response = RedirectResponse(_safe_next(next), 303)
    set_session_cookie(request, response, session_token, samesite="lax")
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request, work: WorkDep) -> Response:
    token = _session_token(request)
    if token:
        await auth.logout(work.session, token)
        await work.commit()
        await get_runtime(request).token_cache.revoked()  # its open sockets close
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/desk", response_class=HTMLResponse)
async def tenants(request: Request, work: WorkDep, person: PersonDep) -> HTMLResponse:
    """The tenants (projects) the person works on."""
    language = i18n.pick_language(request, "en")
    held = await auth.tenants_of(work.session, person)
    assert person.user is not None
    return render(
        request,
        "staff/tenants.html",
        language,
        person=person.user,
        held=held,
        invitations=await users.my_invitations(work, person.user),
        form_token=staff_form_token(request),
    )


def _check_staff_token(request: Request, given: str) -> None:
    if not check_form_token(_secret(request), _scope(request), given):
        raise DomainError("the form has expired: reload the page and send it again")


@router.post("/desk/invitations/{invitation_id}/accept", response_model=None)
async def accept_invitation(
    invitation_id: uuid.UUID,
    request: Request,
    work: WorkDep,
    person: PersonDep,
    code: Annotated[str, Form(max_length=200)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Join a project with the code its administrator gave."""
    _check_staff_token(request, token)
    assert person.user is not None
    await users.accept_invitation(work, person.user, invitation_id, code)
    await work.commit()
    return RedirectResponse("/desk", 303)


@router.post("/desk/invitations/{invitation_id}/decline", response_model=None)
async def decline_invitation(
    invitation_id: uuid.UUID,
    request: Request,
    work: WorkDep,
    person: PersonDep,
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Say no to a project's invitation."""
    _check_staff_token(request, token)
    assert person.user is not None
    await users.decline_invitation(work, person.user, invitation_id)
    await work.commit()
    return RedirectResponse("/desk", 303)


def login_redirect(request: Request) -> Response:
    """Where a page sends someone who is not logged in."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", 303)
