"""The index itself: term counts kept as articles come and go, the generation, ties at the cut."""

import uuid
from collections import Counter

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
