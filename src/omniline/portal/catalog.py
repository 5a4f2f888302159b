"""What the public sees of the knowledge base: published public articles, by category.

Categories are the tenant's contact-reason taxonomy (one classification for staff and
customers): a top-level reason is a category, its children are its sections.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from omniline.journal.work import Work
from omniline.knowledge import articles
from omniline.models import (
    Article,
    ArticleKind,
    ArticleReason,
    ArticleStatus,
    ArticleVersion,
    Audience,
    ContactReason,
    Tenant,
)

PUBLIC = (Audience.PUBLIC, Audience.BOTH)


def _public(tenant: Tenant) -> tuple[object, ...]:
    return (
        Article.tenant_id == tenant.id,
        Article.status == ArticleStatus.PUBLISHED,
        Article.kind == ArticleKind.ARTICLE,
        Article.audience.in_(PUBLIC),
    )


@dataclass(frozen=True)
class Listed:
    """An article in a list: what its link shows."""

    slug: str
    title: str
    language: str


@dataclass(frozen=True)
class Category:
    reason: ContactReason
    articles: int


async def _reasons(work: Work, tenant: Tenant) -> list[ContactReason]:
    return list(
        await work.session.scalars(
            select(ContactReason)
            .where(ContactReason.tenant_id == tenant.id, ContactReason.active.is_(True))
            .order_by(ContactReason.name)
        )
    )


def _root_of(reason: ContactReason, by_id: dict[uuid.UUID, ContactReason]) -> ContactReason:
    for _ in range(16):  # the taxonomy is shallow; the bound guards a damaged tree
        parent = by_id.get(reason.parent_id) if reason.parent_id else None
        if parent is None:
            return reason
        reason = parent
    return reason


async def categories(work: Work, tenant: Tenant) -> list[Category]:
    """Top-level reasons with how many public articles they and their children have."""
    reasons = await _reasons(work, tenant)
    by_id = {r.id: r for r in reasons}
    rows = await work.session.execute(
        select(ArticleReason.reason_id, ArticleReason.article_id)
        .join(Article, Article.id == ArticleReason.article_id)
        .where(*_public(tenant))  # type: ignore[arg-type]
    )
    per_root: dict[uuid.UUID, set[uuid.UUID]] = {}
    for reason_id, article_id in rows:
        reason = by_id.get(reason_id)
        if reason is not None:
            per_root.setdefault(_root_of(reason, by_id).id, set()).add(article_id)
    return [
        Category(r, len(per_root[r.id]))
        for r in reasons
        if r.parent_id is None and r.id in per_root
    ]


@dataclass(frozen=True)
class Section:
    reason: ContactReason
    articles: list[Listed]


async def category(work: Work, tenant: Tenant, code: str) -> list[Section] | None:
    """A category's sections (itself first, then each child) with their public articles."""
    reasons = await _reasons(work, tenant)
    root = next((r for r in reasons if r.code == code and r.parent_id is None), None)
    if root is None:
        return None
    members = [root, *(r for r in reasons if r.parent_id == root.id)]
    rows = await work.session.execute(
        select(ArticleReason.reason_id, Article.slug, Article.title, Article.language)
        .join(Article, Article.id == ArticleReason.article_id)
        .where(*_public(tenant), ArticleReason.reason_id.in_([m.id for m in members]))  # type: ignore[arg-type]
        .order_by(ArticleReason.position, Article.title)
    )
    listed: dict[uuid.UUID, list[Listed]] = {}
    for reason_id, slug, title, language in rows:
        listed.setdefault(reason_id, []).append(Listed(slug, title, language))
    return [Section(m, listed.get(m.id, [])) for m in members if m.id == root.id or m.id in listed]


async def recent(work: Work, tenant: Tenant, language: str, limit: int = 8) -> list[Listed]:
    """The newest public articles, in the visitor's language first."""
    rows = await work.session.execute(
        select(Article.slug, Article.title, Article.language)
        .where(*_public(tenant))  # type: ignore[arg-type]
        .order_by((Article.language == language).desc(), Article.published_at.desc())
        .limit(limit)
    )
    return [Listed(*row) for row in rows]


@dataclass(frozen=True)
class Readable:
    article: Article
    content: ArticleVersion
    reason_ids: list[uuid.UUID]
    translations: list[Listed]


async def readable(work: Work, tenant: Tenant, slug: str) -> Readable | None:
    """A public article's published version, with its reasons and the same topic in other
    languages (articles sharing its reasons and tags)."""
    row = await work.session.scalar(
        select(Article).where(*_public(tenant), Article.slug == slug)  # type: ignore[arg-type]
    )
    if row is None:
        return None
    content = await articles.published_content(work, row)
    if content is None:
        return None
    reason_ids = await articles.reasons_of(work, row)
    return Readable(row, content, reason_ids, await _translations(work, tenant, row, reason_ids))


async def _translations(
    work: Work, tenant: Tenant, row: Article, reason_ids: list[uuid.UUID]
) -> list[Listed]:
    if not reason_ids:
        return []
    shared = (
        select(ArticleReason.article_id)
        .where(ArticleReason.reason_id.in_(reason_ids))
        .group_by(ArticleReason.article_id)
        .having(func.count() == len(reason_ids))
    )
    rows = await work.session.execute(
        select(Article.slug, Article.title, Article.language, Article.tags)
        .where(*_public(tenant), Article.id.in_(shared), Article.language != row.language)  # type: ignore[arg-type]
        .order_by(Article.language)
    )
    tags = set(row.tags or [])
    made: dict[str, Listed] = {}
    for slug, title, language, their_tags in rows:
        if language not in made and (not tags or tags & set(their_tags or [])):
            made[language] = Listed(slug, title, language)
    return list(made.values())


async def related(
    work: Work, tenant: Tenant, row: Article, reason_ids: list[uuid.UUID], limit: int = 5
) -> list[Listed]:
    """Other public articles for the same reasons, in the same language."""
    if not reason_ids:
        return []
    rows = await work.session.execute(
        select(Article.slug, Article.title, Article.language)
        .join(ArticleReason, ArticleReason.article_id == Article.id)
        .where(
            *_public(tenant),  # type: ignore[arg-type]
            ArticleReason.reason_id.in_(reason_ids),
            Article.id != row.id,
            Article.language == row.language,
        )
        .distinct()
        .order_by(Article.title)
        .limit(limit)
    )
    return [Listed(*r) for r in rows]


async def contact_topics(work: Work, tenant: Tenant) -> list[ContactReason]:
    """Reasons a visitor may name when asking for help (active ones, parents first)."""
    reasons = await _reasons(work, tenant)
    by_id = {r.id: r for r in reasons}
    return sorted(reasons, key=lambda r: (_root_of(r, by_id).name, r.parent_id is not None, r.name))
