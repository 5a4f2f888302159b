"""What tells editors which articles work and which are missing: "did this help?", articles
sent or used on contacts, searches and their result counts, reasons without articles."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import NotFound
from omniline.kit.ids import new_id
from omniline.models import (
    Article,
    ArticleFeedback,
    ArticleReason,
    ArticleStatus,
    ArticleUse,
    ContactReason,
    Interaction,
    KnowledgeSearch,
    Tenant,
)


def record_search(
    work: Work,
    tenant: Tenant,
    *,
    query: str,
    terms: list[str],
    language: str | None,
    results: int,
    source: str,
) -> None:
    """Keep a search and its result count (no personal data: the query text and who)."""
    work.session.add(
        KnowledgeSearch(
            id=new_id(),
            tenant_id=tenant.id,
            query=query[:500],
            terms=terms,
            language=language,
            results=results,
            source=source,
            user_id=work.actor.user_id,
            created_at=utcnow(),
        )
    )


async def _interaction_or_raise(work: Work, tenant: Tenant, interaction_id: uuid.UUID) -> None:
    found = await work.session.scalar(
        select(Interaction.id).where(
            Interaction.tenant_id == tenant.id, Interaction.id == interaction_id
        )
    )
    if found is None:
        raise NotFound("interaction not found")


async def give_feedback(
    work: Work,
    tenant: Tenant,
    article: Article,
    *,
    helpful: bool,
    source: str,
    comment: str = "",
    interaction_id: uuid.UUID | None = None,
) -> ArticleFeedback:
    if interaction_id is not None:
        await _interaction_or_raise(work, tenant, interaction_id)
    row = ArticleFeedback(
        id=new_id(),
        tenant_id=tenant.id,
        article_id=article.id,
        version=article.published_version,
        helpful=helpful,
        source=source,
        user_id=work.actor.user_id,
        interaction_id=interaction_id,
        comment=comment,
        created_at=utcnow(),
    )
    work.session.add(row)
    work.emit(
        tenant.id,
        "knowledge.feedback_given",
        {"article_id": article.id, "helpful": helpful, "source": source},
        interaction_id=interaction_id,
    )
    return row


async def record_use(
    work: Work, tenant: Tenant, article: Article, *, kind: str, interaction_id: uuid.UUID
) -> ArticleUse:
    """An agent sent the article to the customer, or used it, on a contact."""
    await _interaction_or_raise(work, tenant, interaction_id)
    row = ArticleUse(
        id=new_id(),
        tenant_id=tenant.id,
        article_id=article.id,
        version=article.published_version,
        kind=kind,
        user_id=work.actor.user_id,
        interaction_id=interaction_id,
        created_at=utcnow(),
    )
    work.session.add(row)
    work.emit(
        tenant.id,
        "knowledge.article_used",
        {"article_id": article.id, "kind": kind},
        interaction_id=interaction_id,
    )
    return row


@dataclass(frozen=True)
class ArticleNumbers:
    article_id: uuid.UUID
    title: str
    status: str
    helpful: int
    not_helpful: int
    sent: int
    used: int


@dataclass(frozen=True)
class MissedSearch:
    query: str
    times: int
    last: datetime


@dataclass(frozen=True)
class Report:
    articles: list[ArticleNumbers]
    missed_searches: list[MissedSearch]
    reasons_without_articles: list[tuple[uuid.UUID, str, str]]


async def report(work: Work, tenant: Tenant, *, since: datetime, limit: int = 50) -> Report:
    """Feedback and use per article, the searches that found nothing, and reasons with no
    published article, since a time."""
    session, t = work.session, tenant.id
    votes = {
        row[0]: (row[1], row[2])
        for row in await session.execute(
            select(
                ArticleFeedback.article_id,
                func.sum(case((ArticleFeedback.helpful.is_(True), 1), else_=0)),
                func.sum(case((ArticleFeedback.helpful.is_(False), 1), else_=0)),
            )
            .where(ArticleFeedback.tenant_id == t, ArticleFeedback.created_at >= since)
            .group_by(ArticleFeedback.article_id)
        )
    }
    uses: dict[uuid.UUID, dict[str, int]] = {}
    for article_id, kind, count in await session.execute(
        select(ArticleUse.article_id, ArticleUse.kind, func.count())
        .where(ArticleUse.tenant_id == t, ArticleUse.created_at >= since)
        .group_by(ArticleUse.article_id, ArticleUse.kind)
    ):
        uses.setdefault(article_id, {})[kind] = count
    numbers = []
    for row in await session.scalars(select(Article).where(Article.tenant_id == t)):
        good, bad = votes.get(row.id, (0, 0))
        used = uses.get(row.id, {})
        numbers.append(
            ArticleNumbers(
                row.id,
                row.title,
                str(row.status),
                int(good or 0),
                int(bad or 0),
                used.get("sent", 0),
                used.get("used", 0),
            )
        )
    numbers.sort(key=lambda n: (-(n.helpful + n.not_helpful + n.sent + n.used), n.title))
    missed = [
        MissedSearch(query, times, last)
        for query, times, last in await session.execute(
            select(
                func.lower(KnowledgeSearch.query),
                func.count(),
                func.max(KnowledgeSearch.created_at),
            )
            .where(
                KnowledgeSearch.tenant_id == t,
                KnowledgeSearch.results == 0,
                KnowledgeSearch.created_at >= since,
            )
            .group_by(func.lower(KnowledgeSearch.query))
            .order_by(func.count().desc(), func.lower(KnowledgeSearch.query))
            .limit(limit)
        )
    ]
    covered = (
        select(ArticleReason.reason_id)
        .join(Article, Article.id == ArticleReason.article_id)
        .where(Article.tenant_id == t, Article.status == ArticleStatus.PUBLISHED)
    )
    bare = [
        (row.id, row.code, row.name)
        for row in await session.scalars(
            select(ContactReason)
            .where(
                ContactReason.tenant_id == t,
                ContactReason.active.is_(True),
                ContactReason.id.not_in(covered),
            )
            .order_by(ContactReason.code)
        )
    ]
    return Report(numbers[:limit], missed, bare)
