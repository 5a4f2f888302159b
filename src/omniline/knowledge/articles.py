"""Articles and guidelines: write, keep every version, publish, unpublish, roll back, link to
contact reasons.

The article row holds the newest version (what editors work on); readers see the published
version, which stays as it was until an editor publishes again. Every change is audited.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdownify import markdownify
from sqlalchemy import and_, bindparam, delete, func, select

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.knowledge import index, recent
from omniline.knowledge import text as analysis
from omniline.models import (
    Article,
    ArticleKind,
    ArticleReason,
    ArticleStatus,
    ArticleVersion,
    Audience,
    BodyFormat,
    ContactReason,
    Tenant,
)
from omniline.users import service as users

# safe rich text: headings, lists, links, images, emphasis, code, quotes, tables
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "a", "img", "strong", "em",
    "b", "i", "u", "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_SLUG = re.compile(r"[^a-z0-9]+")
CONTENT_FIELDS = ("title", "body", "language", "audience", "tags")
# what a version keeps: the content and the text as the author wrote it
VERSIONED_FIELDS = (*CONTENT_FIELDS, "body_format", "markdown")
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


def clean_html(body: str) -> str:
    """The body as safe HTML: scripts, event handlers and unknown tags are removed."""
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> str:
    """Markdown as HTML (CommonMark with tables); callers clean it like any body."""
    made: str = _MARKDOWN.render(text)
    return made


def body_markdown(body: str) -> str:
    """An HTML body as Markdown (for an article written in HTML, opened as Markdown)."""
    # escape_misc keeps text such as "1." or "<b>" from turning into Markdown or HTML
    made: str = markdownify(body, heading_style="ATX", bullets="-", escape_misc=True)
    return made.strip()


@dataclass(frozen=True)
class Body:
    """A body as stored: safe HTML for readers, and the Markdown its author wrote (if so)."""

    html: str
    body_format: BodyFormat
    markdown: str

    @classmethod
    def written(cls, text: str, body_format: BodyFormat) -> "Body":
        """The body from what the author wrote in a format."""
        if body_format == BodyFormat.MARKDOWN:
            return cls(clean_html(render_markdown(text)), body_format, text)
        return cls(clean_html(text), BodyFormat.HTML, "")

    def source(self) -> str:
        """What the author wrote: the Markdown, or the HTML."""
        return self.markdown if self.body_format == BodyFormat.MARKDOWN else self.html


def body_of(row: Article | ArticleVersion) -> Body:
    return Body(row.body, BodyFormat(row.body_format), row.markdown)


def slug_of(title: str) -> str:
    """A URL name from a title (letters of any script are kept only if ASCII)."""
    return _SLUG.sub("-", title.lower()).strip("-")[:100] or "article"


async def get_article_or_raise(work: Work, tenant: Tenant, article_id: uuid.UUID) -> Article:
    row = await work.session.scalar(
        select(Article).where(Article.tenant_id == tenant.id, Article.id == article_id)
    )
    if row is None:
        raise NotFound("article not found")
    return row


async def get_article_by_slug(work: Work, tenant: Tenant, slug: str) -> Article | None:
    return await work.session.scalar(
        select(Article).where(Article.tenant_id == tenant.id, Article.slug == slug)
    )


async def list_articles(
    work: Work,
    tenant: Tenant,
    *,
    status: ArticleStatus | None = None,
    kind: ArticleKind | None = None,
    reason_id: uuid.UUID | None = None,
    language: str | None = None,
    limit: int = 100,
    after: uuid.UUID | None = None,
) -> list[Article]:
    query = select(Article).where(Article.tenant_id == tenant.id)
    if status is not None:
        query = query.where(Article.status == status)
    if kind is not None:
        query = query.where(Article.kind == kind)
    if language is not None:
        query = query.where(Article.language == language)
    if reason_id is not None:
        linked = select(ArticleReason.article_id).where(ArticleReason.reason_id == reason_id)
        query = query.where(Article.id.in_(linked))
    if after is not None:
        query = query.where(Article.id > after)
    return list(await work.session.scalars(query.order_by(Article.id).limit(limit)))


async def _unique_slug(work: Work, tenant: Tenant, wanted: str) -> str:
    taken = set(
        await work.session.scalars(
            select(Article.slug).where(
                Article.tenant_id == tenant.id, Article.slug.like(f"{wanted}%")
            )
        )
    )
    slug, n = wanted, 2
    while slug in taken:
        slug, n = f"{wanted}-{n}", n + 1
    return slug


async def create_article(
    work: Work,
    tenant: Tenant,
    *,
    title: str,
    body: str,
    kind: ArticleKind = ArticleKind.ARTICLE,
    language: str | None = None,
    audience: Audience = Audience.BOTH,
    tags: list[str] | None = None,
    owner_id: uuid.UUID | None = None,
    review_on: date | None = None,
    slug: str | None = None,
    body_format: BodyFormat = BodyFormat.HTML,
) -> Article:
    """A new draft (version 1); the body is HTML or Markdown as `body_format` says."""
    now = utcnow()
    await _check_owner(work, tenant, owner_id)
    if slug is not None and await _slug_taken(work, tenant, slug):
        raise Conflict(f"an article with slug '{slug}' already exists")
    written = Body.written(body, body_format)
    row = Article(
        id=new_id(),
        tenant_id=tenant.id,
        slug=slug or await _unique_slug(work, tenant, slug_of(title)),
        kind=kind,
        status=ArticleStatus.DRAFT,
        version=1,
        title=title.strip(),
        body=written.html,
        body_format=written.body_format,
        markdown=written.markdown,
        language=language or tenant.default_language,
        audience=Audience.INTERNAL if kind == ArticleKind.GUIDELINE else audience,
        tags=_tags(tags),
        owner_id=owner_id or work.actor.user_id,
        review_on=review_on,
        created_at=now,
        updated_at=now,
    )
    work.session.add(row)
    await work.session.flush()
    _new_version(work, row, note="created")
    _changed(work, row, "knowledge.article_created", {"title": row.title, "kind": row.kind})
    return row


async def _slug_taken(work: Work, tenant: Tenant, slug: str) -> bool:
    found = await work.session.scalar(
        select(Article.id).where(Article.tenant_id == tenant.id, Article.slug == slug)
    )
    return found is not None


def _tags(tags: list[str] | None) -> list[str]:
    return sorted({t.strip().lower() for t in tags or [] if t.strip()})


def _new_version(work: Work, row: Article, note: str) -> ArticleVersion:
    version = ArticleVersion(
        id=new_id(),
        tenant_id=row.tenant_id,
        article_id=row.id,
        number=row.version,
        title=row.title,
        body=row.body,
        body_format=row.body_format,
        markdown=row.markdown,
        language=row.language,
        audience=row.audience,
        tags=list(row.tags),
        author_id=work.actor.user_id,
        note=note[:500],
        created_at=utcnow(),
    )
    work.session.add(version)
    return version


def _changed(work: Work, row: Article, kind: str, data: dict[str, Any]) -> None:
    data = {"article_id": row.id, "version": row.version, **data}
    work.emit(row.tenant_id, kind, data)
    work.audit(row.tenant_id, kind, "article", row.id, data)


async def edit_article(
    work: Work, tenant: Tenant, row: Article, changes: dict[str, Any], *, note: str = ""
) -> Article:
    """Save a new version with the changed content (readers keep the published one until the
    next publish); owner and review date change without a new version."""
    content = {k: v for k, v in changes.items() if k in CONTENT_FIELDS}
    if "body" in content or "body_format" in changes:
        content.update(_body_change(row, content.get("body"), changes.get("body_format")))
    if "tags" in content:
        content["tags"] = _tags(content["tags"])
    if "title" in content:
        content["title"] = content["title"].strip()
    if row.kind == ArticleKind.GUIDELINE and content.get("audience", Audience.INTERNAL) not in (
        Audience.INTERNAL,
    ):
        raise InvalidInput("a guideline is for staff: its audience is internal")
    real = {k: v for k, v in content.items() if getattr(row, k) != v}
    if changes.get("owner_id") is not None:
        await _check_owner(work, tenant, changes["owner_id"])
    if "language" in real:
        await check_language_free(work, row, real["language"])
    for key in ("owner_id", "review_on"):
        if key in changes:
            setattr(row, key, changes[key])
    if real:
        for key, value in real.items():
            setattr(row, key, value)
        row.version += 1
        _new_version(work, row, note or "edited")
    row.updated_at = utcnow()
    _changed(work, row, "knowledge.article_edited", {"fields": sorted(real)})
    return row


async def _check_owner(work: Work, tenant: Tenant, owner_id: uuid.UUID | None) -> None:
    """An article's owner is one of the tenant's people (else the database refused it: 500)."""
    if owner_id is not None and owner_id not in {
        u.id for u, _ in await users.list_members(work, tenant)
    }:
        raise InvalidInput(f"owner_id: {owner_id} is not one of this project's people")


def _body_change(row: Article, body: str | None, body_format: str | None) -> dict[str, Any]:
    """The stored body fields for a new body and/or format. A format alone converts what is
    there (HTML to Markdown as export writes it; Markdown to its HTML)."""
    wanted = BodyFormat(body_format or row.body_format)
    if body is None:
        if wanted == row.body_format:
            return {}
        current = body_of(row)
        body = body_markdown(current.html) if wanted == BodyFormat.MARKDOWN else current.html
    made = Body.written(body, wanted)
    return {"body": made.html, "body_format": made.body_format, "markdown": made.markdown}


async def version_of(work: Work, row: Article, number: int) -> ArticleVersion:
    found = await work.session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == row.id, ArticleVersion.number == number
        )
    )
    if found is None:
        raise NotFound(f"the article has no version {number} (its newest is {row.version})")
    return found


async def versions(work: Work, row: Article) -> list[ArticleVersion]:
    return list(
        await work.session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == row.id)
            .order_by(ArticleVersion.number.desc())
        )
    )


async def publish(work: Work, tenant: Tenant, row: Article) -> Article:
    """Readers see the newest version from now on."""
    if not row.title or not row.body.strip():
        raise InvalidInput("an article needs a title and a body before it is published")
    row.status, row.published_version, row.published_at = (
        ArticleStatus.PUBLISHED,
        row.version,
        utcnow(),
    )
    await index.put(work.session, row, row)
    _changed(work, row, "knowledge.article_published", {})
    return row


async def unpublish(work: Work, tenant: Tenant, row: Article) -> Article:
    """Readers no longer see it; editors still do, with every version."""
    if row.status != ArticleStatus.PUBLISHED:
        raise Conflict(f"the article is {row.status}, not published")
    row.status, row.published_version = ArticleStatus.UNPUBLISHED, None
    await index.remove(work.session, row)
    _changed(work, row, "knowledge.article_unpublished", {})
    return row


async def roll_back(work: Work, tenant: Tenant, row: Article, number: int) -> Article:
    """Make an earlier version the newest again (as a new version, so nothing is lost); a
    published article shows it at once."""
    old = await version_of(work, row, number)
    if old.language != row.language:
        await check_language_free(work, row, old.language)
    for key in VERSIONED_FIELDS:
        setattr(row, key, getattr(old, key))
    row.version += 1
    _new_version(work, row, note=f"rolled back to version {number}")
    row.updated_at = utcnow()
    if row.status == ArticleStatus.PUBLISHED:
        row.published_version, row.published_at = row.version, utcnow()
        await index.put(work.session, row, row)
    _changed(work, row, "knowledge.article_rolled_back", {"to_version": number})
    return row


async def reindex(work: Work, tenant_id: uuid.UUID) -> int:
    """Analyse a tenant's published articles again (after the text analysis changed); how
    many were indexed."""
    rows = await work.session.execute(
        select(Article, ArticleVersion)
        .join(
            ArticleVersion,
            and_(
                ArticleVersion.article_id == Article.id,
                ArticleVersion.number == Article.published_version,
            ),
        )
        .where(Article.tenant_id == tenant_id, Article.status == ArticleStatus.PUBLISHED)
    )
    made = 0
    for row, content in rows.all():
        await index.put(work.session, row, content)
        made += 1
    return made


# ------------------------------------------------------------------------------ translations


async def translations_of(work: Work, row: Article) -> list[Article]:
    """The other articles of its translation group (the same topic in other languages)."""
    if row.translation_group is None:
        return []
    return list(
        await work.session.scalars(
            select(Article)
            .where(
                Article.tenant_id == row.tenant_id,
                Article.translation_group == row.translation_group,
                Article.id != row.id,
            )
            .order_by(Article.language)
        )
    )


async def check_language_free(work: Work, row: Article, language: str) -> None:
    """A translation group holds one article per language."""
    for other in await translations_of(work, row):
        if other.language == language:
            raise Conflict(
                f"'{other.slug}' is already the {language} version of this article: change "
                "its language, or unlink one of them first"
            )


async def link_translation(
    work: Work, tenant: Tenant, row: Article, original_id: uuid.UUID | None
) -> list[Article]:
    """Make the article a translation of another ("this is the Polish version of X"), in
    X's group; None unlinks it. The group's other articles, after the change."""
    if original_id is None:
        await _unlink(work, row)
        return []
    original = await get_article_or_raise(work, tenant, original_id)
    if original.id == row.id:
        raise InvalidInput("an article cannot be a translation of itself")
    if original.kind != row.kind:
        raise InvalidInput(f"a {row.kind} can only be a translation of another {row.kind}")
    group = original.translation_group or original.id
    if row.translation_group == group:
        return await translations_of(work, row)
    for other in [original, *await translations_of(work, original)]:
        if other.language == row.language:
            raise Conflict(
                f"'{other.slug}' is already the {row.language} version of '{original.slug}': "
                "unlink it first, or change this article's language"
            )
    await _unlink(work, row)
    original.translation_group = row.translation_group = group
    await work.session.flush()
    _changed(work, row, "knowledge.article_translation_linked", {"translation_of": original.id})
    return await translations_of(work, row)


async def _unlink(work: Work, row: Article) -> None:
    if row.translation_group is None:
        return
    left = await translations_of(work, row)
    row.translation_group = None
    if len(left) == 1:  # a group of one is no group
        left[0].translation_group = None
    await work.session.flush()
    _changed(work, row, "knowledge.article_translation_unlinked", {})


async def published_content(work: Work, row: Article) -> ArticleVersion | None:
    """What readers see, or None if the article is not published."""
    if row.published_version is None:
        return None
    return await version_of(work, row, row.published_version)


async def set_reasons(
    work: Work, tenant: Tenant, row: Article, reason_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Link the article to these contact reasons, in this order (replacing the links)."""
    if len(set(reason_ids)) != len(reason_ids):
        raise InvalidInput("a reason is listed twice")
    known = set(
        await work.session.scalars(
            select(ContactReason.id).where(
                ContactReason.tenant_id == tenant.id, ContactReason.id.in_(reason_ids)
            )
        )
    )
    missing = [str(r) for r in reason_ids if r not in known]
    if missing:
        raise NotFound(f"unknown contact reasons: {', '.join(missing)}")
    await work.session.execute(delete(ArticleReason).where(ArticleReason.article_id == row.id))
    for position, reason_id in enumerate(reason_ids):
        work.session.add(
            ArticleReason(
                tenant_id=tenant.id, article_id=row.id, reason_id=reason_id, position=position
            )
        )
    _changed(work, row, "knowledge.article_reasons_set", {"reason_ids": reason_ids})
    return reason_ids


async def reasons_of(work: Work, row: Article) -> list[uuid.UUID]:
    return list(
        await work.session.scalars(
            select(ArticleReason.reason_id)
            .where(ArticleReason.article_id == row.id)
            .order_by(ArticleReason.position)
        )
    )


async def for_reason(
    work: Work, tenant: Tenant, reason_id: uuid.UUID, *, audiences: tuple[Audience, ...]
) -> tuple[list[Article], list[Article]]:
    """A reason's published guidelines and solution articles, in their linked order."""
    rows = list(
        await work.session.scalars(
            select(Article)
            .join(ArticleReason, ArticleReason.article_id == Article.id)
            .where(
                Article.tenant_id == tenant.id,
                ArticleReason.reason_id == reason_id,
                Article.status == ArticleStatus.PUBLISHED,
                Article.audience.in_(audiences),
            )
            .order_by(ArticleReason.position)
        )
    )
    guidelines = [a for a in rows if a.kind == ArticleKind.GUIDELINE]
    return guidelines, [a for a in rows if a.kind == ArticleKind.ARTICLE]


async def count_versions(work: Work, row: Article) -> int:
    found = await work.session.scalar(
        select(func.count()).where(ArticleVersion.article_id == row.id)
    )
    return int(found or 0)


@dataclass(frozen=True)
class Found:
    """A search result: the article as readers see it, and where the words were found."""

    article: Article
    content: ArticleVersion
    score: float
    snippet: str


async def search(
    work: Work,
    tenant: Tenant,
    query: str,
    *,
    language: str | None,
    audiences: tuple[Audience, ...],
    limit: int = 20,
) -> tuple[list[Found], list[str]]:
    """Published articles for a query, best first, with highlighted snippets; and the terms
    searched (after typo correction). Every word must match; if none does, any word may."""
    language = language or analysis.guess_language(query)
    terms = analysis.analyze_query(query, language)
    at = await index.generation(work.session, tenant.id)
    terms = await _corrected(work, tenant, terms, at)
    key = recent.Key.of(tenant.id, at, audiences, terms, limit)
    ranked = recent.get(key)
    if ranked is None:
        ranked, shown = await _ranked(work, tenant, terms, audiences, limit)
        recent.keep(key, ranked)
    else:
        shown = await _published(work, tenant, [r.article_id for r in ranked])
    found = [
        Found(*shown[r.article_id], r.score, r.snippet) for r in ranked if r.article_id in shown
    ]
    return found, terms


async def _ranked(
    work: Work, tenant: Tenant, terms: list[str], audiences: tuple[Audience, ...], limit: int
) -> tuple[tuple[recent.Ranked, ...], dict[uuid.UUID, tuple[Article, ArticleVersion]]]:
    """The articles the terms find with their snippets, best first; and the articles loaded."""
    hits = await index.search(work.session, tenant.id, terms, audiences=audiences, limit=limit)
    if not hits and len(terms) > 1:
        hits = await index.search(
            work.session, tenant.id, terms, audiences=audiences, limit=limit, any_term=True
        )
    shown = await _published(work, tenant, [hit.article_id for hit in hits])
    ranked = tuple(
        recent.Ranked(hit.article_id, hit.score, _snippet(shown[hit.article_id][1], terms))
        for hit in hits
        if hit.article_id in shown
    )
    return ranked, shown


async def _published(
    work: Work, tenant: Tenant, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Article, ArticleVersion]]:
    """The published ones of these articles with the content readers see, in one query."""
    if not ids:
        return {}
    rows = await work.session.execute(_PUBLISHED, {"ids": list(ids)})
    # the tenant is checked here, not in SQL: with it there SQLite chose the tenant's index
    # and read all its articles (15 ms for 10,000) instead of a few by primary key
    return {row.id: (row, content) for row, content in rows if row.tenant_id == tenant.id}


_PUBLISHED = (  # built once: building it cost 0.1 ms a search
    select(Article, ArticleVersion)
    .join(
        ArticleVersion,
        and_(
            ArticleVersion.article_id == Article.id,
            ArticleVersion.number == Article.published_version,
        ),
    )
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)


def _snippet(content: ArticleVersion, terms: list[str]) -> str:
    return analysis.snippet_html(analysis.plain_text(content.body), terms, content.language)


async def _corrected(
    work: Work, tenant: Tenant, terms: list[str], at_generation: str | None = None
) -> list[str]:
    """Terms the index does not know are replaced by the nearest it does (typos)."""
    vocabulary = await index.vocabulary(work.session, tenant.id, at_generation)
    made = []
    for term in terms:
        if term in vocabulary:
            made.append(term)
        else:
            made.append(vocabulary.suggest(term) or term)
    return made


@dataclass(frozen=True)
class Suggestion:
    article: Article
    content: ArticleVersion
    why: str  # "reason" (linked to the contact's reason) or "text" (found from its words)
    snippet: str


async def suggest(
    work: Work,
    tenant: Tenant,
    *,
    reason_id: uuid.UUID | None,
    text_of_contact: str,
    language: str | None,
    limit: int = 5,
) -> list[Suggestion]:
    """The articles most likely to help with a contact: those linked to its reason first, then
    those its words find (any word; the customer's words rarely match a title exactly)."""
    audiences = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)
    linked: list[Article] = []
    if reason_id is not None:
        guides, solutions = await for_reason(work, tenant, reason_id, audiences=audiences)
        linked = [*guides, *solutions]
    language = language or analysis.guess_language(text_of_contact)
    terms = analysis.analyze(text_of_contact, language)[:30]
    terms = list(dict.fromkeys(await _corrected(work, tenant, terms)))
    hits = await index.search(
        work.session, tenant.id, terms, audiences=audiences, limit=limit * 2, any_term=True
    )
    candidates = [(row.id, "reason") for row in linked]
    candidates += [(hit.article_id, "text") for hit in hits]
    shown = await _published(work, tenant, list(dict.fromkeys(i for i, _ in candidates)))
    picked: dict[uuid.UUID, str] = {}  # article id -> why, best first; a reason link wins
    for article_id, why in candidates:
        if article_id in shown:
            picked.setdefault(article_id, why)
    made = []
    for article_id, why in list(picked.items())[:limit]:  # snippets only for those shown
        row, content = shown[article_id]
        snippet = _snippet(content, terms) if why == "text" else ""
        made.append(Suggestion(row, content, why, snippet))
    return made
