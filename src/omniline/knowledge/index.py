"""The search index of published articles, behind one interface on both databases.

Text is analysed in Python (`knowledge.text`: normalised, stemmed per language, stop words
out), so both databases only match and rank the same stemmed terms: SQLite FTS5 (BM25, the
title weighing five times the body) in the embedded default, PostgreSQL tsvector with the
'simple' configuration and a GIN index at scale (ts_rank per term, title weight A, body B).
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

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


async def remove(session: AsyncSession, article: Article) -> None:
    """Take an article out of the index (unpublished)."""
    # the generation first: on PostgreSQL its row lock puts a tenant's index changes in line,
    # so two publishes never wait for each other's term counts
    await _changed(session, article.tenant_id)
    values = {"id": _key(session, article.id), "tenant": _key(session, article.tenant_id)}
    if _postgres(session):
        await session.execute(_PG_UNCOUNT, values)
        await session.execute(_PG_UNPOST, values)
    else:
        old = (await session.execute(_SQLITE_TEXT, values)).first()
        if old is not None:
            terms = _distinct(old[0], old[1])
            await session.execute(_SQLITE_UNCOUNT, {**values, "terms": terms})
    await session.execute(text("DELETE FROM article_fts WHERE article_id = :id"), values)
    await session.execute(_UNUSED, values)


async def put(session: AsyncSession, article: Article, content: ArticleVersion | Article) -> None:
    """Index what readers see of an article (its published content)."""
    await remove(session, article)
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
        await session.execute(_PG_COUNT, values)
        await session.execute(_PG_POST, values)
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
        await session.execute(_SQLITE_COUNT, {**values, "terms": _distinct(title, body)})


# How many of a tenant's indexed articles hold each term (article_fts_terms): the vocabulary
# of typo correction, counted as articles come and go instead of from every text when the
# vocabulary is built (0.5 s for 10,000 articles on SQLite). On PostgreSQL the terms are the
# lexemes of the stored document; SQLite gets them from Python as a JSON array.
_PG_COUNT = text(
    "INSERT INTO article_fts_terms (tenant_id, term, documents) "
    "SELECT :tenant, u.lexeme, 1 FROM article_fts, unnest(tsvector_to_array(doc)) AS u(lexeme) "
    "WHERE article_id = :id "
    "ON CONFLICT (tenant_id, term) DO UPDATE SET documents = article_fts_terms.documents + 1"
)
_PG_UNCOUNT = text(
    "UPDATE article_fts_terms AS t SET documents = t.documents - 1 "
    "FROM article_fts AS f, unnest(tsvector_to_array(f.doc)) AS u(lexeme) "
    "WHERE f.article_id = :id AND t.tenant_id = :tenant AND t.term = u.lexeme"
)
# Each term's articles with its score in each (article_fts_postings, PostgreSQL only): the
# term's ts_rank in the article, what a search sums. The lexeme becomes a tsquery of that one
# term, quoted as tsquery input is (backslash and quote doubled).
_PG_POST = text(
    "INSERT INTO article_fts_postings (tenant_id, term, article_id, audience, weight) "
    "SELECT f.tenant_id, u.lexeme, f.article_id, f.audience, ts_rank(f.doc, ("
    r"'''' || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || ''''"
    ")::tsquery) FROM article_fts AS f, unnest(f.doc) AS u WHERE f.article_id = :id"
)
_PG_UNPOST = text(
    "DELETE FROM article_fts_postings AS p USING article_fts AS f, unnest(f.doc) AS u "
    "WHERE f.article_id = :id AND p.tenant_id = f.tenant_id AND p.term = u.lexeme "
    "AND p.article_id = f.article_id"
)
_SQLITE_TEXT = text("SELECT title, body FROM article_fts WHERE article_id = :id")
_SQLITE_COUNT = text(
    "INSERT INTO article_fts_terms (tenant_id, term, documents) "
    "SELECT :tenant, value, 1 FROM json_each(:terms) WHERE true "  # WHERE: SQLite's upsert
    "ON CONFLICT (tenant_id, term) DO UPDATE SET documents = documents + 1"
)
_SQLITE_UNCOUNT = text(
    "UPDATE article_fts_terms SET documents = documents - 1 "
    "WHERE tenant_id = :tenant AND term IN (SELECT value FROM json_each(:terms))"
)
_UNUSED = text("DELETE FROM article_fts_terms WHERE tenant_id = :tenant AND documents < 1")
_TERMS = text("SELECT term, documents FROM article_fts_terms WHERE tenant_id = :tenant")


def _distinct(title: str, body: str) -> str:
    """The distinct terms of an indexed title and body, as a JSON array."""
    return json.dumps(sorted(set(title.split()) | set(body.split())), ensure_ascii=False)


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
    distinct = list(dict.fromkeys(terms))
    values: dict[str, object] = {"tenant": tenant_id, "audiences": audience_names, "limit": limit}
    if len(distinct) == 1:
        statement, values["term"] = _PG_ONE, distinct[0]
    elif not any_term and len(distinct) <= MERGED_TERMS:
        statement = _pg_merged(len(distinct))
        values.update({f"t{n}": term for n, term in enumerate(distinct)})
    else:
        lexemes = [_pg_term(t) for t in distinct]
        statement = _PG_RANKED
        values.update(
            match=(" | " if any_term else " & ").join(lexemes),
            every=" | ".join(lexemes),
            terms=float(len(lexemes)),
        )
    rows = await session.execute(statement, values)
    return [Hit(row[0], float(row[1])) for row in rows]


# The score is the sum of each term's ts_rank in the article (how often it occurs, the title
# weighing 1.0 and the body 0.4), as BM25 sums its terms; each term's is kept with the term's
# articles (article_fts_postings). One term: its best articles come straight from an index in
# score order (0.4-0.6 ms for "limit", in 6,632 of 10,000 articles, against 15 ms scoring each
# with ts_rank). Two or three terms: their lists are merged by article, index only (6-8 ms
# against 11-17 ms for three common words). More terms, or any of them: ts_rank of the terms'
# OR in each matching document, which is the same sum divided by the number of terms, in one
# pass over the document. (A merge of four lists was no quicker than that, and much slower
# once PostgreSQL chose a generic plan for the prepared statement; ts_rank of the AND query
# ranks by the terms' distances and is exactly 1 for most texts holding several common words;
# ts_rank_cd costs 2-3 times as much.)
MERGED_TERMS = 3
_PG_ONE = text(
    "SELECT article_id, weight FROM article_fts_postings "
    "WHERE tenant_id = :tenant AND term = :term AND audience = ANY(:audiences) "
    "ORDER BY weight DESC, article_id LIMIT :limit"
)
_PG_RANKED = text(
    "SELECT article_id, :terms * ts_rank(doc, every) AS score "
    "FROM article_fts, to_tsquery('simple', :match) AS q, to_tsquery('simple', :every) AS every "
    "WHERE tenant_id = :tenant AND doc @@ q AND audience = ANY(:audiences) "
    "ORDER BY score DESC, article_id LIMIT :limit"
)


@lru_cache(maxsize=MERGED_TERMS)
def _pg_merged(count: int) -> TextClause:
    score = " + ".join(f"p{n}.weight" for n in range(count))
    others = "".join(
        f" JOIN article_fts_postings AS p{n} ON p{n}.tenant_id = :tenant AND p{n}.term = :t{n}"
        f" AND p{n}.article_id = p0.article_id"
        for n in range(1, count)
    )
    return text(
        f"SELECT p0.article_id, {score} AS score "  # noqa: S608 (no value in the text: numbers)
        f"FROM article_fts_postings AS p0{others} "
        "WHERE p0.tenant_id = :tenant AND p0.term = :t0 AND p0.audience = ANY(:audiences) "
        "ORDER BY score DESC, p0.article_id LIMIT :limit"
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
        rows = await _fts_best(session, values, limit)
    return [Hit(uuid.UUID(article_id), -score) for score, article_id in rows]


TIE_MARGIN = 10  # rows read past the cut, so that the articles tying with the last come too


async def _fts_best(
    session: AsyncSession, values: Mapping[str, object], limit: int
) -> list[tuple[float, str]]:
    """The best `limit` rows in the exact order (score, then id), from the rank order alone:
    once a row scores worse than the last one wanted, every row tying with that one has been
    read. A single word ties at the cut often (same counts, same lengths); asking the exact
    query then cost 10-15 ms more for a word in 3,000 articles."""
    wanted = limit + TIE_MARGIN
    while True:
        rows = await _fts_rows(session, _FTS_BY_RANK, {**values, "limit": wanted})
        if len(rows) < wanted or rows[-1][0] != rows[limit - 1][0]:
            return sorted(rows)[:limit]  # equal scores by id, as ORDER BY score, article_id
        wanted *= 4


# With ORDER BY rank FTS5 sorts the matches by BM25 (title five times the body) itself, and
# SQLite reads the tenant and audience (stored columns) only of rows until the limit is
# reached; ordering by a bm25() result column made it read them for every match first (2-3x
# slower for a word in 4,000 articles). Equal scores come in no defined order: `_fts_best`
# reads past the cut until the ties end.
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


# The generation of a tenant's index: a new random value with every change, written in the
# transaction that changes the index. Whatever is derived from the index (the vocabulary, the
# results of a search) is kept under the generation it was read with, so one small query tells
# every process whether its copy is still the index's, as soon as the change is committed. A
# random value rather than a counter: a rolled-back change's value is never seen again.
_STATE = text("SELECT generation FROM article_fts_state WHERE tenant_id = :tenant")
_BUMP = text(
    "INSERT INTO article_fts_state (tenant_id, generation) VALUES (:tenant, :generation) "
    "ON CONFLICT (tenant_id) DO UPDATE SET generation = excluded.generation"
)


async def _changed(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    await session.execute(_BUMP, {"tenant": _key(session, tenant_id), "generation": _new()})


def _new() -> str:
    return uuid.uuid4().hex


def _key(session: AsyncSession, tenant_id: uuid.UUID) -> uuid.UUID | str:
    return tenant_id if _postgres(session) else str(tenant_id)


async def generation(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    """The tenant's index as this transaction sees it: changes whenever the index does."""
    found = await session.scalar(_STATE, {"tenant": _key(session, tenant_id)})
    return str(found) if found is not None else ""


@dataclass(frozen=True, slots=True)
class _Cached:
    vocabulary: analysis.Vocabulary
    generation: str


_vocabularies: dict[uuid.UUID, _Cached] = {}


async def vocabulary(
    session: AsyncSession, tenant_id: uuid.UUID, at_generation: str | None = None
) -> analysis.Vocabulary:
    """Every indexed term of the tenant with the number of articles it is in, as of the
    index's generation `at_generation` (read here when not given). Built again only after
    the index changed: reading the counts and building take 12-18 ms for 10,000 articles
    (2,000 terms), so it is not kept beyond a change."""
    if at_generation is None:
        at_generation = await generation(session, tenant_id)
    cached = _vocabularies.get(tenant_id)
    if cached is not None and cached.generation == at_generation:
        return cached.vocabulary
    rows = await session.execute(_TERMS, {"tenant": _key(session, tenant_id)})
    made = analysis.Vocabulary((str(term), int(count)) for term, count in rows)
    _vocabularies[tenant_id] = _Cached(made, at_generation)
    return made
