"""The knowledge base's editor pages: articles and guidelines, their versions, the reason
taxonomy, import and export, and what works.

Pages are server-rendered and work without JavaScript. Every page needs KNOWLEDGE_READ (agents
read); changing an article needs KNOWLEDGE_MANAGE and the reason taxonomy REASONS_MANAGE, as in
the API. Every form carries the staff form token. A failed change is rolled back and the form
shown again with the message and what was typed.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.responses import HTMLResponse, Response

from omniline.auth.permissions import Permission
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, DomainError, InvalidInput
from omniline.knowledge import articles, feedback, transfer
from omniline.models import (
    Article,
    ArticleKind,
    ArticleStatus,
    Audience,
    BodyFormat,
    ContactReason,
)
from omniline.portal import visits
from omniline.reasons import service as reasons
from omniline.users.service import list_members
from omniline.web.staff import StaffDep, StaffPage

router = APIRouter(prefix="/t/{tenant_slug}/knowledge", include_in_schema=False)

LANGUAGES = ("en", "ru", "pl")
PAGE_SIZE = 100
SCAN_SIZE = 500  # articles read per query while filtering titles
MAX_TITLE, MAX_TAGS, MAX_TAG = 300, 30, 50
_E = TypeVar("_E", bound=StrEnum)


async def get_reader(page: StaffDep) -> StaffPage:
    """A staff page of someone who may read the knowledge base (403 otherwise)."""
    page.access.require(Permission.KNOWLEDGE_READ)
    return page


ReaderDep = Annotated[StaffPage, Depends(get_reader)]


def _allow(page: StaffPage, token: str, permission: Permission) -> None:
    """A change: the right permission first (agents get 403), then the form's token."""
    page.access.require(permission)
    page.check_token(token)


async def _undo(page: StaffPage) -> None:
    """Drop a failed change; the tenant and the person are loaded again (a rollback expires
    them, and an async session must not load them lazily while the page renders)."""
    tenant, user = page.access.tenant, page.access.principal.user
    await page.work.rollback()
    await page.work.session.refresh(tenant)
    if user is not None:
        await page.work.session.refresh(user)


async def _commit(page: StaffPage) -> None:
    try:
        await page.work.commit()
    except IntegrityError as exc:  # someone made the same slug or code at the same moment
        raise Conflict("someone else just saved the same thing: reload and try again") from exc


def _to(page: StaffPage, path: str, anchor: str = "", **query: str) -> RedirectResponse:
    """After a change, the page that shows it (a flash message named in `done`)."""
    made = f"{page.tenant_base}/knowledge{path}" + (f"?{urlencode(query)}" if query else "")
    return RedirectResponse(made + (f"#{anchor}" if anchor else ""), 303)


def _enum(kind: type[_E], value: str) -> _E | None:
    """An enum member from a filter's value; empty or unknown means no filter."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------- reasons tree


@dataclass
class Branch:
    """A reason at its depth in the taxonomy, with the articles linked to it."""

    reason: ContactReason
    depth: int
    guidelines: list[Article] = field(default_factory=list)
    solutions: list[Article] = field(default_factory=list)
    children: list["Branch"] = field(default_factory=list)


def tree_order(rows: list[ContactReason]) -> list[Branch]:
    """Every reason, parent first and its children (by code) after it, each branch holding
    its children too; a reason whose parent is missing counts as top level."""
    ids = {r.id for r in rows}
    children: dict[uuid.UUID | None, list[ContactReason]] = {}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    made: list[Branch] = []

    def walk(parent: uuid.UUID | None, depth: int) -> list[Branch]:
        level = []
        for row in sorted(children.get(parent, []), key=lambda r: r.code):
            branch = Branch(row, depth)
            made.append(branch)
            branch.children = walk(row.id, depth + 1)
            level.append(branch)
        return level

    walk(None, 0)
    return made


async def _taxonomy(page: StaffPage) -> list[Branch]:
    return tree_order(await reasons.list_reasons(page.work.session, page.access.tenant.id))


# ------------------------------------------------------------------------------ articles list


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    language: str = ""
    q: str = ""

    def query(self, **more: str) -> str:
        values = {**vars(self), **more}
        return urlencode({k: v for k, v in values.items() if v})


async def _matching(
    page: StaffPage, filters: Filters, after: uuid.UUID | None
) -> tuple[list[Article], uuid.UUID | None]:
    """A page of the articles the filters pick, and the cursor of the next page (if any)."""
    needle, found = filters.q.strip().casefold(), []
    while True:
        batch = await articles.list_articles(
            page.work,
            page.access.tenant,
            status=_enum(ArticleStatus, filters.status),
            kind=_enum(ArticleKind, filters.kind),
            language=filters.language or None,
            limit=SCAN_SIZE,
            after=after,
        )
        for row in batch:
            if needle in row.title.casefold():
                found.append(row)
                if len(found) == PAGE_SIZE:
                    return found, row.id
        if len(batch) < SCAN_SIZE:
            return found, None
        after = batch[-1].id


async def _list_page(
    page: StaffPage,
    filters: Filters,
    after: uuid.UUID | None = None,
    *,
    status_code: int = 200,
    results: list[transfer.Result] | None = None,
    error: str = "",
) -> HTMLResponse:
    rows, next_after = await _matching(page, filters, after)
    return page.page(
        "staff/knowledge/list.html",
        status_code,
        rows=rows,
        filters=filters,
        next_query=filters.query(after=str(next_after)) if next_after else "",
        export_base=f"/api/v1/tenants/{page.access.tenant.slug}/articles/export",
        results=results,
        error=error,
        languages_known=LANGUAGES,
    )


@router.get("", response_class=HTMLResponse)
async def list_page(
    page: ReaderDep,
    status: Annotated[str, Query(max_length=20)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    language: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    after: uuid.UUID | None = None,
) -> HTMLResponse:
    """Articles and guidelines, filtered; import and export."""
    return await _list_page(page, Filters(status, kind, language, q), after)


# the path ends like the API's import, so the upload size limit applies to it too
@router.post("/articles/import", response_class=HTMLResponse)
async def import_page(
    page: ReaderDep,
    file: Annotated[list[UploadFile], File()],
    publish: Annotated[bool, Form()] = False,
    token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Create or edit articles from .md/.html files or zips; a result per file."""
    _allow(page, token, Permission.KNOWLEDGE_MANAGE)
    uploads = [transfer.Upload(f.filename or "upload", await f.read()) for f in file]
    uploads = [u for u in uploads if u.data or u.name != "upload"]
    if not uploads:
        return await _list_page(page, Filters(), status_code=422, error="choose files to import")
    made = await transfer.import_files(page.work, page.access.tenant, uploads, publish=publish)
    try:
        await _commit(page)
    except DomainError as exc:
        await _undo(page)
        return await _list_page(page, Filters(), status_code=exc.status_code, error=exc.message)
    return await _list_page(page, Filters(), results=made)


# ---------------------------------------------------------------------------- the edit form


class ArticleForm(BaseModel):
    """The edit form as typed (checked by `checked`, so that errors keep what was typed)."""

    title: Annotated[str, Field(max_length=2000)] = ""
    body: Annotated[str, Field(max_length=400_000)] = ""
    body_format: Annotated[str, Field(max_length=10)] = "md"
    language: Annotated[str, Field(max_length=16)] = "en"
    audience: Annotated[str, Field(max_length=16)] = "both"
    tags: Annotated[str, Field(max_length=4000)] = ""
    review_on: Annotated[str, Field(max_length=20)] = ""
    reasons: Annotated[list[str], Field(max_length=200)] = []
    translation_of: Annotated[str, Field(max_length=200)] = ""  # another version's slug
    note: Annotated[str, Field(max_length=2000)] = ""
    then: Annotated[str, Field(max_length=20)] = "save"
    token: Annotated[str, Field(max_length=200)] = ""

    @classmethod
    def of(
        cls,
        row: Article,
        reason_ids: list[uuid.UUID],
        body_format: BodyFormat | None = None,
        translations: list[Article] | None = None,
    ) -> "ArticleForm":
        """The form filled in from the article's newest version, in the format its author
        wrote it (or the one asked for: HTML as rendered, Markdown as export writes it)."""
        stored = articles.body_of(row)
        wanted = body_format or stored.body_format
        if wanted == stored.body_format:
            body = stored.source()
        elif wanted == BodyFormat.MARKDOWN:
            body = articles.body_markdown(stored.html)
        else:
            body = stored.html
        others = sorted(translations or [], key=lambda t: t.id != row.translation_group)
        return cls(
            title=row.title,
            body=body,
            body_format=str(wanted),
            translation_of=others[0].slug if others else "",
            language=row.language,
            audience=str(row.audience),
            tags=", ".join(row.tags),
            review_on=row.review_on.isoformat() if row.review_on else "",
            reasons=[str(r) for r in reason_ids],
        )

    def checked(self, kind: ArticleKind) -> "Checked":
        """Typed values; InvalidInput says what to fix."""
        title = self.title.strip()
        if not title:
            raise InvalidInput("the title is empty")
        if len(title) > MAX_TITLE:
            raise InvalidInput("the title is too long: at most 300 characters")
        audience = _enum(Audience, self.audience)
        if audience is None:
            raise InvalidInput("choose who may read it")
        tags = sorted({t.strip().lower() for t in self.tags.split(",") if t.strip()})  # as kept
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
            raise InvalidInput("at most 30 tags of at most 50 characters each")
        written = self.written()
        if len(written.html) > transfer.MAX_BODY_CHARS:
            raise InvalidInput("the text is too long: at most 200,000 characters of HTML")
        return Checked(
            title=title,
            body=written.source(),
            body_format=written.body_format,
            translation_of=self.translation_of.strip(),
            language=_language(self.language),
            audience=Audience.INTERNAL if kind == ArticleKind.GUIDELINE else audience,
            tags=tags,
            review_on=_date(self.review_on),
            reason_ids=_ids(self.reasons),
        )

    def written(self) -> articles.Body:
        """The body as it will be kept (Markdown rendered as imported Markdown files are)."""
        body_format = BodyFormat.MARKDOWN if self.body_format == "md" else BodyFormat.HTML
        return articles.Body.written(self.body, body_format)


@dataclass(frozen=True)
class Checked:
    title: str
    body: str  # as the author wrote it, in body_format
    body_format: BodyFormat
    translation_of: str  # the slug of another version of the topic, or ""
    language: str
    audience: Audience
    tags: list[str]
    review_on: date | None
    reason_ids: list[uuid.UUID]

    def content(self) -> dict[str, Any]:
        keys = ("title", "body", "body_format", "language", "audience", "tags", "review_on")
        return {k: getattr(self, k) for k in keys}


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidInput("choose the language: English, Russian or Polish")
    return value


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("the review date is not a date (YYYY-MM-DD)") from None


def _ids(values: list[str]) -> list[uuid.UUID]:
    try:
        return list(dict.fromkeys(uuid.UUID(v) for v in values))
    except ValueError:
        raise InvalidInput("an unknown contact reason was chosen") from None


ArticleFormDep = Annotated[ArticleForm, Form()]


def _kind(value: str) -> ArticleKind:
    return ArticleKind.GUIDELINE if value == ArticleKind.GUIDELINE else ArticleKind.ARTICLE


async def _editor_page(
    page: StaffPage,
    kind: ArticleKind,
    form: ArticleForm,
    row: Article | None = None,
    *,
    status_code: int = 200,
    error: str = "",
    done: str = "",
) -> HTMLResponse:
    """The article page: the form (or, for readers, the article), preview and versions."""
    # inactive reasons are offered only where they are linked already
    linked = set(form.reasons)
    taxonomy = [b for b in await _taxonomy(page) if b.reason.active or str(b.reason.id) in linked]
    languages = LANGUAGES if form.language in LANGUAGES else (*LANGUAGES, form.language)
    return page.page(
        "staff/knowledge/edit.html",
        status_code,
        row=row,
        kind=str(kind),
        form=form,
        taxonomy=taxonomy,
        linked=linked,
        language_choices=languages,
        preview=articles.clean_html(row.body) if row else "",
        translations=await articles.translations_of(page.work, row) if row else [],
        versions=await articles.versions(page.work, row) if row else [],
        authors=await _authors(page),
        error=error,
        done=done,
    )


async def _authors(page: StaffPage) -> dict[uuid.UUID, str]:
    return {u.id: u.name for u, _ in await list_members(page.work, page.access.tenant)}


@router.get("/new", response_class=HTMLResponse)
async def new_form(
    page: ReaderDep,
    kind: Annotated[str, Query(max_length=20)] = "article",
    reason: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """A new article or guideline, linked to a reason when one is named."""
    page.access.require(Permission.KNOWLEDGE_MANAGE)
    made = _kind(kind)
    found = await reasons.get_reason_by_code(page.work.session, page.access.tenant.id, reason)
    default = page.access.tenant.default_language
    form = ArticleForm(
        language=default if default in LANGUAGES else "en",
        audience=Audience.INTERNAL if made == ArticleKind.GUIDELINE else Audience.BOTH,
        reasons=[str(found.id)] if found is not None else [],
    )
    return await _editor_page(page, made, form)


@router.post("/new", response_model=None)
async def create(
    page: ReaderDep, form: ArticleFormDep, kind: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    """Save the first version of a new article or guideline."""
    _allow(page, form.token, Permission.KNOWLEDGE_MANAGE)
    made = _kind(kind)
    try:
        values = form.checked(made)
        row = await articles.create_article(
            page.work, page.access.tenant, kind=made, **values.content()
        )
        if values.reason_ids:
            await articles.set_reasons(page.work, page.access.tenant, row, values.reason_ids)
        await _link(page, row, values.translation_of)
        if form.then == "publish":
            await articles.publish(page.work, page.access.tenant, row)
        await _commit(page)
    except DomainError as exc:
        await _undo(page)
        return await _editor_page(page, made, form, status_code=exc.status_code, error=exc.message)
    done = "published" if form.then == "publish" else "created"
    return _to(page, f"/{row.id}", done=done)


# ----------------------------------------------------------------------------- reasons page


async def _reasons_page(
    page: StaffPage, *, status_code: int = 200, error: str = "", **typed: Any
) -> HTMLResponse:
    taxonomy = await _taxonomy(page)
    for branch in taxonomy:
        linked = await articles.list_articles(
            page.work, page.access.tenant, reason_id=branch.reason.id, limit=200
        )
        branch.guidelines = [a for a in linked if a.kind == ArticleKind.GUIDELINE]
        branch.solutions = [a for a in linked if a.kind == ArticleKind.ARTICLE]
    return page.page(
        "staff/knowledge/reasons.html",
        status_code,
        taxonomy=taxonomy,
        error=error,
        added=typed.get("added", {}),
        changing=typed.get("changing", {}),
        done=page.request.query_params.get("done", ""),
    )


@router.get("/reasons", response_class=HTMLResponse)
async def reasons_page(page: ReaderDep) -> HTMLResponse:
    """The reason taxonomy with each reason's guidelines and solution articles."""
    return await _reasons_page(page)


@router.post("/reasons", response_model=None)
async def add_reason(
    page: ReaderDep,
    code: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    parent: Annotated[str, Form(max_length=40)] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    """Add a reason to the taxonomy."""
    _allow(page, token, Permission.REASONS_MANAGE)
    try:
        row = await reasons.create_reason(
            page.work,
            page.access.tenant,
            code=code.strip(),
            name=_name(name),
            parent_id=_ids([parent])[0] if parent else None,
        )
        await _commit(page)
    except DomainError as exc:
        await _undo(page)
        typed = {"code": code, "name": name, "parent": parent}
        return await _reasons_page(
            page, status_code=exc.status_code, error=exc.message, added=typed
        )
    return _to(page, "/reasons", f"reason-{row.id}", done="reason_added")


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 200:
        raise InvalidInput("the reason's name must have 1 to 200 characters")
    return name


@router.post("/reasons/{reason_id}", response_model=None)
async def change_reason(
    page: ReaderDep,
    reason_id: uuid.UUID,
    name: Annotated[str, Form(max_length=400)] = "",
    active: Annotated[bool, Form()] = False,
    token: Annotated[str, Form()] = "",
) -> Response:
    """Rename a reason, deactivate it or make it active again."""
    _allow(page, token, Permission.REASONS_MANAGE)
    row = await reasons.get_reason_or_raise(page.work, page.access.tenant, reason_id)
    try:
        await reasons.update_reason(
            page.work, page.access.tenant, row, name=_name(name), active=active
        )
        await _commit(page)
    except DomainError as exc:
        await _undo(page)
        typed = {"id": str(reason_id), "name": name}
        return await _reasons_page(
            page, status_code=exc.status_code, error=exc.message, changing=typed
        )
    return _to(page, "/reasons", f"reason-{reason_id}", done="reason_changed")


# ------------------------------------------------------------------------------ report page


@router.get("/report", response_class=HTMLResponse)
async def report_page(
    page: ReaderDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> HTMLResponse:
    """What helps and what is missing: feedback, uses, failed searches, deflection."""
    page.access.require(Permission.KNOWLEDGE_MANAGE)
    now = utcnow()
    since = now - timedelta(days=days)
    made = await feedback.report(page.work, page.access.tenant, since=since)
    flow = await visits.deflection(page.work, page.access.tenant, since=since, until=now)
    return page.page("staff/knowledge/report.html", days=days, report=made, flow=flow)


# ------------------------------------------------------------------------- one article page


async def _article(page: StaffPage, article_id: uuid.UUID) -> Article:
    return await articles.get_article_or_raise(page.work, page.access.tenant, article_id)


async def _current_form(
    page: StaffPage, row: Article, body_format: BodyFormat | None = None
) -> ArticleForm:
    reason_ids = await articles.reasons_of(page.work, row)
    translations = await articles.translations_of(page.work, row)
    return ArticleForm.of(row, reason_ids, body_format, translations)


@router.get("/{article_id}", response_class=HTMLResponse)
async def article_page(
    page: ReaderDep,
    article_id: uuid.UUID,
    body_format: Annotated[str, Query(alias="format", max_length=10)] = "",
    done: Annotated[str, Query(max_length=30)] = "",
) -> HTMLResponse:
    """The article's form for editors (read-only for readers), preview and versions; the
    text in the format its author wrote it, unless another is asked for."""
    row = await _article(page, article_id)
    form = await _current_form(page, row, _enum(BodyFormat, body_format))
    return await _editor_page(page, row.kind, form, row, done=done)


@router.post("/{article_id}", response_model=None)
async def save(page: ReaderDep, article_id: uuid.UUID, form: ArticleFormDep) -> Response:
    """Save the form: a new version when the content changed; publish if asked."""
    _allow(page, form.token, Permission.KNOWLEDGE_MANAGE)
    row = await _article(page, article_id)
    kind = row.kind
    try:
        changed = await _apply(page, row, form.checked(row.kind), form.note)
        if form.then == "publish":
            await articles.publish(page.work, page.access.tenant, row)
        await _commit(page)
    except DomainError as exc:
        await _undo(page)
        row = await _article(page, article_id)
        return await _editor_page(
            page, kind, form, row, status_code=exc.status_code, error=exc.message
        )
    done = "published" if form.then == "publish" else "saved" if changed else "unchanged"
    return _to(page, f"/{row.id}", done=done)


async def _apply(page: StaffPage, row: Article, values: Checked, note: str) -> bool:
    """Edit what changed (a new version only if the content did) and the reasons; whether
    anything changed."""
    content = {k: v for k, v in values.content().items() if getattr(row, k) != v}
    content.pop("body", None)
    content.pop("body_format", None)
    if _body_changed(row, values):
        content.update(body=values.body, body_format=values.body_format)
    tenant = page.access.tenant
    if content:
        await articles.edit_article(page.work, tenant, row, content, note=note.strip()[:500])
    linked = await _link(page, row, values.translation_of)
    if values.reason_ids == await articles.reasons_of(page.work, row):
        return bool(content) or linked
    await articles.set_reasons(page.work, tenant, row, values.reason_ids)
    return True


def _body_changed(row: Article, values: Checked) -> bool:
    """Whether the text differs from what is kept: Markdown against the Markdown its author
    wrote; otherwise by what readers see (the text shown in the other format and sent back
    unchanged is no change, and keeps the author's format)."""
    if values.body_format == row.body_format == BodyFormat.MARKDOWN:
        return values.body.strip() != row.markdown.strip()
    written = articles.Body.written(values.body, values.body_format)
    return not transfer.equivalent_html(written.html, row.body)


async def _link(page: StaffPage, row: Article, slug: str) -> bool:
    """Link the article to the version of its topic named by slug (empty: unlink); whether
    the link changed."""
    tenant = page.access.tenant
    current = {t.slug for t in await articles.translations_of(page.work, row)}
    if (slug in current) or (not slug and not current):
        return False
    original = await articles.get_article_by_slug(page.work, tenant, slug) if slug else None
    if slug and original is None:
        raise InvalidInput(f"there is no article '{slug}' to be a translation of")
    await articles.link_translation(page.work, tenant, row, original.id if original else None)
    return True


async def _change(page: StaffPage, article_id: uuid.UUID, token: str) -> Article:
    """The article an editor changes from its page (permission and token checked)."""
    _allow(page, token, Permission.KNOWLEDGE_MANAGE)
    return await _article(page, article_id)


async def _failed(page: StaffPage, article_id: uuid.UUID, exc: DomainError) -> HTMLResponse:
    """The article page again, with the reason a change failed."""
    await _undo(page)
    row = await _article(page, article_id)
    form = await _current_form(page, row)
    return await _editor_page(
        page, row.kind, form, row, status_code=exc.status_code, error=exc.message
    )


@router.post("/{article_id}/publish", response_model=None)
async def publish(
    page: ReaderDep, article_id: uuid.UUID, token: Annotated[str, Form()] = ""
) -> Response:
    """Readers see the newest version from now on."""
    row = await _change(page, article_id, token)
    try:
        await articles.publish(page.work, page.access.tenant, row)
        await _commit(page)
    except DomainError as exc:
        return await _failed(page, article_id, exc)
    return _to(page, f"/{article_id}", done="published")


@router.post("/{article_id}/unpublish", response_model=None)
async def unpublish(
    page: ReaderDep, article_id: uuid.UUID, token: Annotated[str, Form()] = ""
) -> Response:
    """Readers no longer see the article."""
    row = await _change(page, article_id, token)
    try:
        await articles.unpublish(page.work, page.access.tenant, row)
        await _commit(page)
    except DomainError as exc:
        return await _failed(page, article_id, exc)
    return _to(page, f"/{article_id}", done="unpublished")


@router.post("/{article_id}/rollback", response_model=None)
async def roll_back(
    page: ReaderDep,
    article_id: uuid.UUID,
    version: Annotated[int, Form(ge=1)],
    token: Annotated[str, Form()] = "",
) -> Response:
    """Make an earlier version the newest again (as a new version)."""
    row = await _change(page, article_id, token)
    try:
        await articles.roll_back(page.work, page.access.tenant, row, version)
        await _commit(page)
    except DomainError as exc:
        return await _failed(page, article_id, exc)
    return _to(page, f"/{article_id}", done="rolled_back")


@router.get("/{article_id}/versions/{number}", response_class=HTMLResponse)
async def version_page(page: ReaderDep, article_id: uuid.UUID, number: int) -> HTMLResponse:
    """One version of an article as it was saved."""
    row = await _article(page, article_id)
    shown = await articles.version_of(page.work, row, number)
    return page.page(
        "staff/knowledge/version.html",
        row=row,
        version=shown,
        body=articles.clean_html(shown.body),
        author=(await _authors(page)).get(shown.author_id) if shown.author_id else None,
    )
