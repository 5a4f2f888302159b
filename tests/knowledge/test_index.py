"""The index itself: term counts and (PostgreSQL) each term's articles kept as articles come and
go, the generation, ties at the cut."""

import uuid
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.knowledge import articles, index
from omniline.models import Audience
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

STAFF = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)


async def _counted_afresh(session: AsyncSession, tenant_id: uuid.UUID) -> dict[str, int]:
    """Each term's number of articles, counted from the index's texts as they are."""
    if session.get_bind().dialect.name == "postgresql":
        documents = f"SELECT doc FROM article_fts WHERE tenant_id = '{tenant_id}'"  # noqa: S608
        rows = await session.execute(text("SELECT word, ndoc FROM ts_stat(:d)"), {"d": documents})
        return {str(word): int(n) for word, n in rows}
    counts: Counter[str] = Counter()
    rows = await session.execute(
        text("SELECT title, body FROM article_fts WHERE tenant_id = :t"), {"t": str(tenant_id)}
    )
    for title, body in rows:
        counts.update(set(f"{title} {body}".split()))
    return dict(counts)


async def test_term_counts_follow_publish_edit_roll_back_and_unpublish(runtime: Runtime) -> None:
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    other = await create_tenant(work, slug="globex", name="Globex")
    card = await articles.create_article(
        work, tenant, title="Card blocked", body="<p>Unblock the card in the app.</p>"
    )
    sim = await articles.create_article(
        work, tenant, title="New SIM card", body="<p>Order a SIM card in the app.</p>"
    )
    theirs = await articles.create_article(
        work, other, title="Roaming", body="<p>Roaming card prices.</p>"
    )
    for row, owner in ((card, tenant), (sim, tenant), (theirs, other)):
        await articles.publish(work, owner, row)
    before = await index.generation(work.session, tenant.id)
    vocabulary = dict(await index.vocabulary(work.session, tenant.id))
    assert vocabulary == await _counted_afresh(work.session, tenant.id)
    assert (vocabulary["card"], vocabulary["app"], vocabulary.get("roam")) == (2, 2, None)
    await articles.edit_article(work, tenant, card, {"body": "<p>Call the hotline.</p>"})
    assert await index.generation(work.session, tenant.id) == before  # a draft changes nothing
    await articles.publish(work, tenant, card)
    assert await index.generation(work.session, tenant.id) != before
    await articles.roll_back(work, tenant, sim, 1)
    await articles.unpublish(work, tenant, sim)
    vocabulary = dict(await index.vocabulary(work.session, tenant.id))
    assert vocabulary == await _counted_afresh(work.session, tenant.id)
    assert (vocabulary["card"], vocabulary["hotlin"], vocabulary.get("app")) == (1, 1, None)
    assert dict(await index.vocabulary(work.session, other.id))["card"] == 1
    await work.rollback()
    await work.session.close()


async def test_ties_beyond_the_margin_come_in_the_order_of_their_ids(runtime: Runtime) -> None:
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    rows = [
        await articles.create_article(
            work, tenant, title="Twin", body="<p>Identical body about blocking.</p>"
        )
        for _ in range(index.TIE_MARGIN * 2 + 5)  # identical texts score the same
    ]
    for row in reversed(rows):  # indexed in the reverse order of their ids
        await articles.publish(work, tenant, row)
    ids = [row.id for row in rows]
    for limit in (1, 2, index.TIE_MARGIN, len(ids) - 1, len(ids) + 3):
        hits = await index.search(work.session, tenant.id, ["twin"], audiences=STAFF, limit=limit)
        assert [hit.article_id for hit in hits] == sorted(ids)[:limit]
    await work.rollback()
    await work.session.close()


async def test_each_terms_articles_follow_the_index_and_rank_as_its_documents(
    runtime: Runtime,
) -> None:
    """PostgreSQL keeps each term's articles with the term's score in each: they follow
    publish, edit and unpublish, and every way of searching them (one term, two or three
    merged, more terms or any term) ranks as scoring every matching document does."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("each term's articles are a PostgreSQL matter; SQLite ranks from FTS5")
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    other = await create_tenant(work, slug="globex", name="Globex")
    texts = [
        ("Card limit", "card limit card limit account", Audience.BOTH),
        ("Account transfer", "account card transfer limit", Audience.PUBLIC),
        ("Limit of the card", "limit limit limit card transfer account", Audience.INTERNAL),
        ("Transfer fee", "transfer fee card account limit app", Audience.BOTH),
        ("O'Brien's card", "card of o'brien, the limit and account: transfer", Audience.BOTH),
        ("App", "app card", Audience.PUBLIC),
        ("Fees", "fee fee account limit card transfer transfer", Audience.BOTH),
    ]
    rows = []
    for title, body, audience in texts:
        row = await articles.create_article(
            work, tenant, title=title, body=f"<p>{body}</p>", audience=audience, language="en"
        )
        await articles.publish(work, tenant, row)
        rows.append(row)
    theirs = await articles.create_article(
        work, other, title="Card limit", body="<p>card limit account</p>", language="en"
    )
    await articles.publish(work, other, theirs)
    await articles.edit_article(work, tenant, rows[5], {"body": "<p>app card limit limit</p>"})
    await articles.publish(work, tenant, rows[5])
    await articles.unpublish(work, tenant, rows[6])

    ours = {"ours": [tenant.id, other.id]}
    kept = await work.session.execute(
        text(
            "SELECT article_id, term, audience, weight FROM article_fts_postings "
            "WHERE tenant_id = ANY(:ours)"
        ),
        ours,
    )
    afresh = await work.session.execute(
        text(
            "SELECT f.article_id, u.lexeme, f.audience, "
            "ts_rank(f.doc, to_tsquery('simple', quote_literal(u.lexeme))) "
            "FROM article_fts AS f, unnest(f.doc) AS u WHERE f.tenant_id = ANY(:ours)"
        ),
        ours,
    )
    assert sorted(kept) == sorted(afresh)

    audiences = ((Audience.PUBLIC, Audience.BOTH), STAFF)
    words = (["card"], ["limit", "card"], ["card", "limit", "account"],
             ["card", "limit", "account", "transfer"], ["limit", "fee"], ["app"])  # fmt: skip
    for terms in words:
        for audience in audiences:
            for any_term in (False, True):
                found = await index.search(
                    work.session, tenant.id, terms, audiences=audience, any_term=any_term
                )
                expected = await _scored_document_by_document(
                    work.session, tenant.id, terms, audience, any_term
                )
                assert [h.article_id for h in found] == [e.article_id for e in expected], terms
                for hit, want in zip(found, expected, strict=True):
                    assert abs(hit.score - want.score) < 1e-5
    await work.rollback()
    await work.session.close()


async def _scored_document_by_document(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    terms: list[str],
    audiences: tuple[Audience, ...],
    any_term: bool,
) -> list[index.Hit]:
    """The matching documents of the tenant, each scored as the sum of its terms' ts_rank."""
    joiner = " | " if any_term else " & "
    ranks = " + ".join(f"ts_rank(doc, to_tsquery('simple', :t{n}))" for n in range(len(terms)))
    rows = await session.execute(
        text(
            f"SELECT article_id, {ranks} AS score FROM article_fts "  # noqa: S608
            "WHERE tenant_id = :tenant AND doc @@ to_tsquery('simple', :match) "
            "AND audience = ANY(:audiences) ORDER BY score DESC, article_id"
        ),
        {
            "tenant": tenant_id,
            "match": joiner.join(terms),
            "audiences": [str(a) for a in audiences],
            **{f"t{n}": term for n, term in enumerate(terms)},
        },
    )
    return [index.Hit(row[0], float(row[1])) for row in rows]
