"""What the public sees of the knowledge base: published public articles, by category.

Categories are the tenant's contact-reason taxonomy (one classification for staff and
customers): a top-level reason is a category, its children are its sections.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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
class _Version:
    """One language version of a topic, as lists pick among them."""

    topic: uuid.UUID  # the translation group, or the article itself
    listed: Listed


def _topic() -> Any:
    """A topic is a translation group; an article without translations is its own topic."""
    return func.coalesce(Article.translation_group, Article.id)


def _preference(language: str, tenant: Tenant) -> Callable[[Listed], tuple[bool, bool, str]]:
    """Which version of a topic a visitor sees: theirs, else the tenant's, else any."""
    return lambda a: (a.language != language, a.language != tenant.default_language, a.language)


def _one_per_topic(versions: Iterable[_Version], language: str, tenant: Tenant) -> set[str]:
    """The slugs shown: for each topic, the version in the visitor's language if it has one
    (another language only when the topic has no version in theirs)."""
    by_topic: dict[uuid.UUID, list[Listed]] = {}
    for version in versions:
        by_topic.setdefault(version.topic, []).append(version.listed)
    prefer = _preference(language, tenant)
    return {min(listed, key=prefer).slug for listed in by_topic.values()}


@dataclass(frozen=True)
class Category:
    reason: ContactReason
    articles: int  # topics: translations of one article count once


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


def _by_name(language: str) -> Callable[[ContactReason], str]:
    return lambda r: r.name_in(language).casefold()


async def categories(work: Work, tenant: Tenant, language: str) -> list[Category]:
    """Top-level reasons with how many public topics they and their children have (a topic
    in several languages counts once), by their name in the visitor's language."""
    reasons = await _reasons(work, tenant)
    by_id = {r.id: r for r in reasons}
    rows = await work.session.execute(
        select(ArticleReason.reason_id, _topic())
        .join(Article, Article.id == ArticleReason.article_id)
        .where(*_public(tenant))  # type: ignore[arg-type]
    )
    per_root: dict[uuid.UUID, set[uuid.UUID]] = {}
    for reason_id, topic in rows:
        reason = by_id.get(reason_id)
        if reason is not None:
            per_root.setdefault(_root_of(reason, by_id).id, set()).add(topic)
    return [
        Category(r, len(per_root[r.id]))
        for r in sorted(reasons, key=_by_name(language))
        if r.parent_id is None and r.id in per_root
    ]


@dataclass(frozen=True)
class Section:
    reason: ContactReason
    articles: list[Listed]


async def category(work: Work, tenant: Tenant, code: str, language: str) -> list[Section] | None:
    """A category's sections (itself first, then each child) with their public topics: each
    once, in the visitor's language when it has a version in it, under the first of its
    reasons in the category."""
    reasons = await _reasons(work, tenant)
    root = next((r for r in reasons if r.code == code and r.parent_id is None), None)
    if root is None:
        return None
    children = sorted((r for r in reasons if r.parent_id == root.id), key=_by_name(language))
    members = [root, *children]
    rows = (
        await work.session.execute(
            select(ArticleReason.reason_id, _topic(), Article.slug, Article.title, Article.language)
            .join(Article, Article.id == ArticleReason.article_id)
            .where(*_public(tenant), ArticleReason.reason_id.in_([m.id for m in members]))  # type: ignore[arg-type]
            .order_by(ArticleReason.position, Article.title)
        )
    ).all()
    shown = _one_per_topic(
        (_Version(topic, Listed(slug, title, lang)) for _, topic, slug, title, lang in rows),
        language,
        tenant,
    )
    listed: dict[uuid.UUID, list[Listed]] = {}
    for reason_id, _, slug, title, lang in rows:
        if slug in shown:  # the first of its reasons (by position) takes it
            shown.discard(slug)
            listed.setdefault(reason_id, []).append(Listed(slug, title, lang))
    return [Section(m, listed.get(m.id, [])) for m in members if m.id == root.id or m.id in listed]


async def recent(work: Work, tenant: Tenant, language: str, limit: int = 8) -> list[Listed]:
    """The newest public topics, each in the visitor's language when it has it."""
    rows = (
        await work.session.execute(
            select(_topic(), Article.slug, Article.title, Article.language)
            .where(*_public(tenant))  # type: ignore[arg-type]
            .order_by((Article.language == language).desc(), Article.published_at.desc())
            .limit(limit * 4)  # translations of the same topics are dropped below
        )
    ).all()
    shown = _one_per_topic(
        (_Version(topic, Listed(slug, title, lang)) for topic, slug, title, lang in rows),
        language,
        tenant,
    )
    return [Listed(slug, title, lang) for _, slug, title, lang in rows if slug in shown][:limit]


def one_per_topic(
    found: list[articles.Found], language: str, tenant: Tenant
) -> list[articles.Found]:
    """Search results with each topic once: the visitor's language's version when it was
    found, else the best ranked; in rank order."""
    shown = _one_per_topic(
        (_Version(f.article.translation_group or f.article.id, _listed(f)) for f in found),
        language,
        tenant,
    )
    return [f for f in found if f.article.slug in shown]


def _listed(found: articles.Found) -> Listed:
    return Listed(found.article.slug, found.content.title, found.content.language)


@dataclass(frozen=True)
class Readable:
    article: Article
    content: ArticleVersion
    reason_ids: list[uuid.UUID]
    translations: list[Listed]


async def readable(work: Work, tenant: Tenant, slug: str) -> Readable | None:
    """A public article's published version, with its reasons and the same topic in other
    languages (its translation group)."""
    row = await work.session.scalar(
        select(Article).where(*_public(tenant), Article.slug == slug)  # type: ignore[arg-type]
    )
    if row is None:
        return None
    content = await articles.published_content(work, row)
    if content is None:
        return None
    reason_ids = await articles.reasons_of(work, row)
    return Readable(row, content, reason_ids, await _translations(work, tenant, row))


async def _translations(work: Work, tenant: Tenant, row: Article) -> list[Listed]:
    if row.translation_group is None:
        return []
    rows = await work.session.execute(
        select(Article.slug, Article.title, Article.language)
        .where(
            *_public(tenant),  # type: ignore[arg-type]
            Article.translation_group == row.translation_group,
            Article.id != row.id,
        )
        .order_by(Article.language)
    )
    return [Listed(*r) for r in rows]


async def related(
    work: Work, tenant: Tenant, row: Article, reason_ids: list[uuid.UUID], limit: int = 5
) -> list[Listed]:
    """Other public articles for the same reasons, in the same language."""
    if not reason_ids:
        return []
    linked = select(ArticleReason.article_id).where(ArticleReason.reason_id.in_(reason_ids))
    rows = await work.session.execute(
        select(Article.slug, Article.title, Article.language)
        .where(
            *_public(tenant),  # type: ignore[arg-type]
            Article.id.in_(linked),
            Article.id != row.id,
            Article.language == row.language,
        )
        .order_by(Article.title)
        .limit(limit)
    )
    return [Listed(*r) for r in rows]


async def contact_topics(work: Work, tenant: Tenant, language: str) -> list[ContactReason]:
    """Reasons a visitor may name when asking for help (active ones, parents first), by their
    names in the visitor's language."""
    reasons = await _reasons(work, tenant)
    by_id = {r.id: r for r in reasons}
    name = _by_name(language)
    return sorted(
        reasons, key=lambda r: (name(_root_of(r, by_id)), r.parent_id is not None, name(r))
    )
