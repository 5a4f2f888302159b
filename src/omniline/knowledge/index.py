"""The search index of published articles, behind one interface on both databases.

Text is analysed in Python (`knowledge.text`: normalised, stemmed per language, stop words
out), so both databases only match and rank the same stemmed terms: SQLite FTS5 (BM25, the
title weighing five times the body) in the embedded default, PostgreSQL tsvector with the
'simple' configuration and a GIN index at scale (ts_rank_cd, title weight A, body B).
"""

import time
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.knowledge import text as analysis
from omniline.models import Article, ArticleVersion, Audience


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: uuid.UUID
    score: float


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def remove(session: AsyncSession, article_id: uuid.UUID) -> None:
    """Take an article out of the index (unpublished)."""
    key = article_id if _postgres(session) else str(article_id)
    await session.execute(text("DELETE FROM article_fts WHERE article_id = :id"), {"id": key})
    _vocabularies.clear()  # cheap to rebuild; the tenant is not known here


async def put(session: AsyncSession, article: Article, content: ArticleVersion | Article) -> None:
    """Index what readers see of an article (its published content)."""
    await remove(session, article.id)
    title = " ".join(analysis.analyze(content.title, content.language))
    body_text = analysis.plain_text(content.body)
    tags = " ".join(content.tags)
    body = " ".join(analysis.analyze(f"{body_text} {tags}", content.language))
    values = {
        "id": article.id,
        "tenant": article.tenant_id,
        "language": content.language,
        "audience": str(content.audience),
        "kind": str(article.kind),
        "title": title,
        "body": body,
    }
    if _postgres(session):
        await session.execute(
            text(
                "INSERT INTO article_fts (article_id, tenant_id, language, audience, kind, doc) "
                "VALUES (:id, :tenant, :language, :audience, :kind, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :body), 'B'))"
            ),
            values,
        )
    else:
        values.update(id=str(article.id), tenant=str(article.tenant_id))
        await session.execute(
            text(
                "INSERT INTO article_fts "
                "(article_id, tenant_id, language, audience, kind, title, body) "
                "VALUES (:id, :tenant, :language, :audience, :kind, :title, :body)"
            ),
            values,
        )


async def search(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    terms: list[str],
    *,
    audiences: tuple[Audience, ...],
    limit: int = 20,
    any_term: bool = False,
) -> list[Hit]:
    """Published articles that contain every term (or any, with `any_term`), best first."""
    if not terms:
        return []
    audience_names = [str(a) for a in audiences]
    if _postgres(session):
        joiner = " | " if any_term else " & "
        query = joiner.join(_pg_term(t) for t in terms)
        rows = await session.execute(
            text(
                "SELECT article_id, ts_rank_cd(doc, q) AS score "
                "FROM article_fts, to_tsquery('simple', :query) AS q "
                "WHERE tenant_id = :tenant AND doc @@ q AND audience = ANY(:audiences) "
                "ORDER BY score DESC, article_id LIMIT :limit"
            ),
            {"query": query, "tenant": tenant_id, "audiences": audience_names, "limit": limit},
        )
        return [Hit(row[0], float(row[1])) for row in rows]
    joiner = " OR " if any_term else " AND "
    match = joiner.join(_fts_term(t) for t in terms)
    statement = text(
        "SELECT article_id, bm25(article_fts, 0, 0, 0, 0, 0, 5.0, 1.0) AS score "
        "FROM article_fts WHERE article_fts MATCH :match AND tenant_id = :tenant "
        "AND audience IN :audiences ORDER BY score, article_id LIMIT :limit"
    ).bindparams(bindparam("audiences", expanding=True))
    rows = await session.execute(
        statement,
        {"match": match, "tenant": str(tenant_id), "audiences": audience_names, "limit": limit},
    )
    return [Hit(uuid.UUID(row[0]), -float(row[1])) for row in rows]


def _fts_term(term: str) -> str:
    """A term as an FTS5 string (quoted, so no word is read as an operator)."""
    return '"' + term.replace('"', '""') + '"'


def _pg_term(term: str) -> str:
    """A term as a tsquery lexeme (quoted the same way)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class _Cached:
    vocabulary: analysis.Vocabulary
    at: float


VOCABULARY_SECONDS = 60.0  # other processes' changes reach this one's typo correction within
_vocabularies: dict[uuid.UUID, _Cached] = {}


def forget(tenant_id: uuid.UUID) -> None:
    """Drop the tenant's cached vocabulary (after this process changed the index)."""
    _vocabularies.pop(tenant_id, None)


async def vocabulary(session: AsyncSession, tenant_id: uuid.UUID) -> analysis.Vocabulary:
    """Every indexed term of the tenant with how often it occurs (cached for a minute)."""
    cached = _vocabularies.get(tenant_id)
    if cached is not None and time.monotonic() - cached.at < VOCABULARY_SECONDS:
        return cached.vocabulary
    counts: Counter[str] = Counter()
    if _postgres(session):
        rows = await session.execute(
            text("SELECT unnest(tsvector_to_array(doc)) FROM article_fts WHERE tenant_id = :t"),
            {"t": tenant_id},
        )
        counts.update(row[0] for row in rows)
    else:
        rows = await session.execute(
            text("SELECT title, body FROM article_fts WHERE tenant_id = :t"), {"t": str(tenant_id)}
        )
        for title, body in rows:
            counts.update(set(f"{title} {body}".split()))
    made = analysis.Vocabulary(counts)
    _vocabularies[tenant_id] = _Cached(made, time.monotonic())
    return made
