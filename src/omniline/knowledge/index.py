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

from sqlalchemy import TextClause, bindparam, text
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
        return await _pg_search(session, tenant_id, terms, audience_names, limit, any_term)
    return await _fts_search(session, tenant_id, terms, audience_names, limit, any_term)


async def _pg_search(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    terms: list[str],
    audience_names: list[str],
    limit: int,
    any_term: bool,
) -> list[Hit]:
    joiner = " | " if any_term else " & "
    query = joiner.join(_pg_term(t) for t in terms)
    rows = await session.execute(
        _PG_SEARCH,
        {"query": query, "tenant": tenant_id, "audiences": audience_names, "limit": limit},
    )
    return [Hit(row[0], float(row[1])) for row in rows]


_PG_SEARCH = text(
    "SELECT article_id, ts_rank_cd(doc, q) AS score "
    "FROM article_fts, to_tsquery('simple', :query) AS q "
    "WHERE tenant_id = :tenant AND doc @@ q AND audience = ANY(:audiences) "
    "ORDER BY score DESC, article_id LIMIT :limit"
)


async def _fts_search(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    terms: list[str],
    audience_names: list[str],
    limit: int,
    any_term: bool,
) -> list[Hit]:
    joiner = " OR " if any_term else " AND "
    match = joiner.join(_fts_term(t) for t in terms)
    values = {"match": match, "tenant": str(tenant_id), "audiences": audience_names}
    if limit < 1:  # LIMIT 0 or no limit at all (negative): nothing to gain from the rank order
        rows = await _fts_rows(session, _FTS_BY_SCORE, {**values, "limit": limit})
    else:
        rows = await _fts_rows(session, _FTS_BY_RANK, {**values, "limit": limit + 1})
        if len(rows) > limit and rows[limit][0] == rows[limit - 1][0]:  # a tie at the cut
            rows = await _fts_rows(session, _FTS_BY_SCORE, {**values, "limit": limit})
        rows = sorted(rows)[:limit]  # equal scores by id, as ORDER BY score, article_id
    return [Hit(uuid.UUID(article_id), -score) for score, article_id in rows]


# With ORDER BY rank FTS5 sorts the matches by BM25 (title five times the body) itself, and
# SQLite reads the tenant and audience (stored columns) only of rows until the limit is
# reached; ordering by a bm25() result column made it read them for every match first (2-3x
# slower for a word in 4,000 articles). Equal scores come in no defined order, so one row more
# than asked is read: if it ties with the last, the exact order (score, then id) is asked for.
_FTS_BY_RANK = text(
    "SELECT rank, article_id FROM article_fts "
    "WHERE article_fts MATCH :match AND rank MATCH 'bm25(0, 0, 0, 0, 0, 5.0, 1.0)' "
    "AND tenant_id = :tenant AND audience IN :audiences ORDER BY rank LIMIT :limit"
).bindparams(bindparam("audiences", expanding=True))
_FTS_BY_SCORE = text(
    "SELECT bm25(article_fts, 0, 0, 0, 0, 0, 5.0, 1.0) AS score, article_id "
    "FROM article_fts WHERE article_fts MATCH :match AND tenant_id = :tenant "
    "AND audience IN :audiences ORDER BY score, article_id LIMIT :limit"
).bindparams(bindparam("audiences", expanding=True))


async def _fts_rows(
    session: AsyncSession, statement: TextClause, values: dict[str, object]
) -> list[tuple[float, str]]:
    return [(float(row[0]), str(row[1])) for row in await session.execute(statement, values)]


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
        # ts_stat counts the documents holding each lexeme in the server: a few thousand rows
        # come back instead of every lexeme of every article (650,000 for 10,000 articles,
        # 2 s). It takes its query as text; the tenant is a UUID, so nothing else gets in.
        tenant = uuid.UUID(str(tenant_id))  # hex digits and dashes only
        documents = f"SELECT doc FROM article_fts WHERE tenant_id = '{tenant}'"  # noqa: S608
        rows = await session.execute(
            text("SELECT word, ndoc FROM ts_stat(:documents)"), {"documents": documents}
        )
        counts.update({row[0]: int(row[1]) for row in rows})
    else:
        rows = await session.execute(
            text("SELECT title, body FROM article_fts WHERE tenant_id = :t"), {"t": str(tenant_id)}
        )
        for title, body in rows:
            counts.update(set(f"{title} {body}".split()))
    made = analysis.Vocabulary(counts)
    _vocabularies[tenant_id] = _Cached(made, time.monotonic())
    return made
