"""The public help portal of a tenant: browse, search, read, ask for help, follow a case.

Pages are server-rendered and work without JavaScript. Nothing here needs a login; what a
visitor may see is decided in `omniline.portal` (public published articles; a case only with
proof). Forms carry a token bound to the visitor's cookie, so another site cannot post them.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from omniline.api.deps import WorkDep, client_ip, get_runtime
from omniline.callbacks import service as callbacks
from omniline.channels.webchat.settings import read_settings
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.errors import DomainError, NotFound
from omniline.knowledge import articles, feedback
from omniline.limits import service as limits
from omniline.models import PortalVisit, Tenant
from omniline.portal import catalog, codes, status, visits
from omniline.portal.contact import ContactForm, request_contact
from omniline.tenants.service import get_tenant, tenant_setting
from omniline.web import i18n
from omniline.web.templating import check_form_token, form_token, render

router = APIRouter(prefix="/help/{tenant_slug}", include_in_schema=False)

VISIT_COOKIE = "omniline_visit"
CASE_COOKIE = "omniline_case"
CODE_COOKIE = "omniline_case_code"


class Portal:
    """One request to a tenant's portal: the tenant, the visitor's language and visit."""

    def __init__(self, request: Request, work: Work, tenant: Tenant, language: str) -> None:
        self.request = request
        self.work = work
        self.tenant = tenant
        self.language = language
        self.visit: PortalVisit | None = None
        self.secret = get_runtime(request).settings.secret_key
        self.callbacks = False  # set by get_portal: whether callbacks are offered

    @property
    def base(self) -> str:
        return f"/help/{self.tenant.slug}"

    async def begin_visit(self) -> PortalVisit:
        """The visitor's visit (a new one when the cookie is missing or stale)."""
        if self.visit is None:
            cookie = self.request.cookies.get(VISIT_COOKIE, "")
            try:
                visit_id: uuid.UUID | None = uuid.UUID(cookie)
            except ValueError:
                visit_id = None
            self.visit = await visits.touch_visit(self.work, self.tenant, visit_id, self.language)
        return self.visit

    async def undo(self) -> None:
        """Drop the failed change; the tenant and the (committed) visit are loaded again
        (a rollback expires them, and an async session must not load them lazily)."""
        tenant_id, visit_id = self.tenant.id, self.visit.id if self.visit is not None else None
        await self.work.rollback()
        self.tenant = await self.work.session.get_one(Tenant, tenant_id)
        self.visit = await self.work.session.get(PortalVisit, visit_id) if visit_id else None

    @property
    def client(self) -> str:
        """The visitor's address as a keyed hash (rate limits count it, nothing keeps it)."""
        return limits.client_key(self.secret, client_ip(self.request))

    @property
    def token(self) -> str:
        """The form token for this visitor."""
        return form_token(self.secret, f"{self.tenant.id}:{self.visit.id if self.visit else ''}")

    def check_token(self, given: str) -> None:
        scope = f"{self.tenant.id}:{self.visit.id if self.visit else ''}"
        if self.visit is None or not check_form_token(self.secret, scope, given):
            raise FormExpired("the form has expired: go back, reload the page and send it again")

    def page(self, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
        response = render(
            self.request,
            name,
            self.language,
            status_code,
            part="portal",
            tenant=self.tenant,
            base=self.base,
            form_token=self.token if self.visit else "",
            chat_context=self.chat_context(),
            callbacks=self.callbacks,
            **context,
        )
        self.keep_visit(response)
        return response

    def chat_context(self) -> str:
        """When the tenant's web chat is on: a token that hands this visit on to a chat."""
        settings = read_settings(self.tenant)
        if self.visit is None or settings is None or not settings.enabled:
            return ""
        return visits.visit_token(self.secret, self.visit)

    def keep_visit(self, response: Response) -> None:
        if self.visit is not None:
            response.set_cookie(
                VISIT_COOKIE, str(self.visit.id), httponly=True, samesite="lax", path=self.base
            )


class FormExpired(DomainError):
    status_code = 400
    code = "form_expired"


async def get_portal(tenant_slug: str, request: Request, work: WorkDep) -> Portal:
    """The portal of the tenant in the path; 404 if there is none."""
    tenant = await get_tenant(work.session, tenant_slug)
    if tenant is None or not tenant_setting(tenant, "portal_enabled"):
        raise NotFound("there is no help portal here")
    work.actor = Actor(ActorType.CUSTOMER, None, client_ip(request))
    portal = Portal(request, work, tenant, i18n.pick_language(request, tenant.default_language))
    portal.callbacks = await callbacks.callback_queue(work, tenant) is not None
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]


@router.get("", response_class=HTMLResponse)
async def home(portal: PortalDep) -> HTMLResponse:
    await portal.begin_visit()
    await portal.work.commit()
    return portal.page(
        "portal/home.html",
        categories=await catalog.categories(portal.work, portal.tenant, portal.language),
        recent=await catalog.recent(portal.work, portal.tenant, portal.language),
    )


@router.get("/search", response_class=HTMLResponse)
async def search(portal: PortalDep, q: str = "") -> HTMLResponse:
    q = q.strip()[:200]
    if not q:
        return RedirectResponse(portal.base, 303)  # type: ignore[return-value]
    found, terms = await articles.search(
        portal.work, portal.tenant, q, language=None, audiences=catalog.PUBLIC, limit=20
    )
    found = catalog.one_per_topic(found, portal.language, portal.tenant)
    found.sort(key=lambda f: f.content.language != portal.language)  # stable: rank kept
    visit = await portal.begin_visit()
    visits.note(portal.work, visit, visits.EventKind.SEARCH, query=q, results=len(found))
    feedback.record_search(
        portal.work, portal.tenant, query=q, terms=terms, language=portal.language,
        results=len(found), source="portal",
    )  # fmt: skip
    await portal.work.commit()
    return portal.page("portal/search.html", query=q, found=found)


@router.get("/categories/{code}", response_class=HTMLResponse)
async def category(portal: PortalDep, code: str) -> HTMLResponse:
    sections = await catalog.category(portal.work, portal.tenant, code, portal.language)
    if sections is None:
        raise NotFound("no such category")
    visit = await portal.begin_visit()
    visits.note(portal.work, visit, visits.EventKind.CATEGORY, reason_id=sections[0].reason.id)
    await portal.work.commit()
    return portal.page("portal/category.html", sections=sections)


@router.get("/articles/{slug}", response_class=HTMLResponse)
async def article(portal: PortalDep, slug: str, voted: str = "") -> HTMLResponse:
    found = await catalog.readable(portal.work, portal.tenant, slug)
    if found is None:
        raise NotFound("no such article")
    visit = await portal.begin_visit()
    if not voted:
        visits.note(portal.work, visit, visits.EventKind.VIEW, article_id=found.article.id)
    related = await catalog.related(portal.work, portal.tenant, found.article, found.reason_ids)
    await portal.work.commit()
    return portal.page(
        "portal/article.html",
        found=found,
        body=found.content.body,  # cleaned by nh3 when saved (knowledge.articles.clean_html)
        related=related,
        voted=voted,
    )


@router.post("/articles/{slug}/feedback")
async def article_feedback(
    portal: PortalDep,
    slug: str,
    helpful: Annotated[str, Form()],
    token: Annotated[str, Form()] = "",
) -> Response:
    found = await catalog.readable(portal.work, portal.tenant, slug)
    if found is None:
        raise NotFound("no such article")
    await portal.begin_visit()
    portal.check_token(token)
    yes = helpful == "yes"
    await feedback.give_feedback(
        portal.work, portal.tenant, found.article, helpful=yes, source="customer"
    )
    await portal.work.commit()
    answer = "yes" if yes else "no"
    return RedirectResponse(f"{portal.base}/articles/{slug}?voted={answer}#feedback", 303)


@router.get("/contact", response_class=HTMLResponse)
async def contact_form(portal: PortalDep, kind: str = "message") -> HTMLResponse:
    visit = await portal.begin_visit()
    await portal.work.commit()
    return portal.page(
        "portal/contact.html",
        kind="callback" if kind == "callback" and portal.callbacks else "message",
        topics=await catalog.contact_topics(portal.work, portal.tenant, portal.language),
        trail=await visits.trail(portal.work, visit),
        form={},
        error="",
    )


@router.post("/contact", response_class=HTMLResponse)
async def contact_send(
    portal: PortalDep,
    kind: Annotated[str, Form()] = "message",
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    topic: Annotated[str, Form(max_length=100)] = "",
    message: Annotated[str, Form(max_length=6000)] = "",
    when: Annotated[str, Form(max_length=200)] = "",
    token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    visit = await portal.begin_visit()
    portal.check_token(token)
    form = ContactForm(
        "callback" if kind == "callback" else "message",
        name,
        email,
        phone,
        topic or None,
        message,
        when,
    )
    await portal.work.commit()  # the visit stays whatever happens to the request
    try:
        landed = await request_contact(portal.work, portal.tenant, visit, form, portal.client)
    except DomainError as exc:
        await portal.undo()
        return portal.page(
            "portal/contact.html",
            exc.status_code,
            kind=form.kind,
            topics=await catalog.contact_topics(portal.work, portal.tenant, portal.language),
            trail=await visits.trail(portal.work, await portal.begin_visit()),
            form=form,
            error=exc.message,
        )
    await portal.work.commit()
    return portal.page("portal/contact_done.html", kind=form.kind, number=landed.case_number)


# case status


def _signer(portal: Portal) -> status.Signer:
    return status.Signer(portal.secret)


def _proof(portal: Portal) -> status.Proof | None:
    token = portal.request.cookies.get(CASE_COOKIE, "")
    return _signer(portal).read_session(portal.tenant, token) if token else None


def _with_case_cookie(portal: Portal, proof: status.Proof, target: str) -> Response:
    response = RedirectResponse(target, 303)
    response.set_cookie(
        CASE_COOKIE,
        _signer(portal).session(portal.tenant, proof),
        max_age=status.SESSION_MINUTES * 60,
        httponly=True,
        samesite="lax",
        path=f"{portal.base}/status",
    )
    portal.keep_visit(response)
    return response


async def _status_page(portal: Portal, status_code: int = 200, **context: object) -> HTMLResponse:
    """The form that asks for a code (or, without a way to send one, says to use the link)."""
    kinds = await codes.sendable_kinds(portal.work, portal.tenant)
    defaults: dict[str, object] = {"error": "", "number": "", "codes": bool(kinds)}
    return portal.page("portal/status.html", status_code, **{**defaults, **context})


@router.get("/status", response_class=HTMLResponse)
async def status_form(portal: PortalDep) -> HTMLResponse:
    await portal.begin_visit()
    await portal.work.commit()
    return await _status_page(portal)


@router.post("/status", response_model=None)
async def status_request_code(
    portal: PortalDep,
    number: Annotated[str, Form(max_length=20)] = "",
    contact: Annotated[str, Form(max_length=320)] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    await portal.begin_visit()
    portal.check_token(token)
    try:
        code_id = await codes.request_code(
            portal.work, portal.tenant, number_text=number, contact=contact, client=portal.client
        )
    except DomainError as exc:
        await portal.work.commit()  # the attempt counts
        return await _status_page(portal, exc.status_code, error=exc.message, number=number)
    await portal.work.commit()
    response = RedirectResponse(f"{portal.base}/status/code", 303)
    response.set_cookie(
        CODE_COOKIE,
        _signer(portal).code_cookie(portal.tenant, code_id),
        max_age=codes.CODE_MINUTES * 60,
        httponly=True,
        samesite="lax",
        path=f"{portal.base}/status",
    )
    portal.keep_visit(response)
    return response


@router.get("/status/code", response_class=HTMLResponse)
async def status_code_form(portal: PortalDep) -> HTMLResponse:
    await portal.begin_visit()
    await portal.work.commit()
    return portal.page("portal/status_code.html", error="", minutes=codes.CODE_MINUTES)


@router.post("/status/code", response_model=None)
async def status_check_code(
    portal: PortalDep,
    code: Annotated[str, Form(max_length=20)] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    await portal.begin_visit()
    portal.check_token(token)
    cookie = portal.request.cookies.get(CODE_COOKIE, "")
    code_id = _signer(portal).read_code_cookie(portal.tenant, cookie) if cookie else None
    try:
        proof = await codes.check_code(
            portal.work, portal.tenant, secret=portal.secret, code_id=code_id, code=code,
            client=portal.client,
        )  # fmt: skip
    except DomainError as exc:
        await portal.work.commit()  # the failed attempt counts
        return portal.page(
            "portal/status_code.html", exc.status_code, error=exc.message,
            minutes=codes.CODE_MINUTES,
        )  # fmt: skip
    await portal.work.commit()
    response = _with_case_cookie(portal, proof, f"{portal.base}/status/case")
    response.delete_cookie(CODE_COOKIE, path=f"{portal.base}/status")
    return response


@router.get("/status/link/{token}", response_model=None)
async def status_link(portal: PortalDep, token: str) -> Response:
    proof = _signer(portal).read_link(portal.tenant, token)
    if proof is None:
        await portal.begin_visit()
        await portal.work.commit()
        error = "this link is not valid or has expired: look your case up below"
        return await _status_page(portal, 404, error=error)
    await portal.begin_visit()
    await portal.work.commit()
    return _with_case_cookie(portal, proof, f"{portal.base}/status/case")


@router.get("/status/case", response_model=None)
async def status_case(portal: PortalDep) -> Response:
    proof = _proof(portal)
    if proof is None:
        return RedirectResponse(f"{portal.base}/status", 303)
    await portal.begin_visit()
    case = await status.proven_case(portal.work, portal.tenant, proof)
    shown = await status.view(portal.work, portal.tenant, case, via="portal")
    await portal.work.commit()
    return portal.page("portal/status_case.html", case=shown, error="")


@router.post("/status/case/messages", response_model=None)
async def status_message(
    portal: PortalDep,
    message: Annotated[str, Form(max_length=6000)] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    proof = _proof(portal)
    if proof is None:
        return RedirectResponse(f"{portal.base}/status", 303)
    await portal.begin_visit()
    portal.check_token(token)
    await portal.work.commit()
    case = await status.proven_case(portal.work, portal.tenant, proof)
    try:
        await status.add_message(portal.work, portal.tenant, case, proof, message)
    except DomainError as exc:
        await portal.undo()
        case = await status.proven_case(portal.work, portal.tenant, proof)
        shown = await status.view(portal.work, portal.tenant, case, via="portal")
        await portal.work.commit()
        return portal.page(
            "portal/status_case.html", exc.status_code, case=shown, error=exc.message
        )
    await portal.work.commit()
    return RedirectResponse(f"{portal.base}/status/case#latest", 303)


@router.post("/status/leave", response_model=None)
async def status_leave(portal: PortalDep) -> Response:
    response = RedirectResponse(f"{portal.base}/status", 303)
    response.delete_cookie(CASE_COOKIE, path=f"{portal.base}/status")
    return response
