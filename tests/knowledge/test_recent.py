"""The results of recent searches: served again only for the same tenant, audiences and index,
whoever changed the index (this process or another), and never from a change rolled back."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from omniline.kit.db import make_engine
from omniline.knowledge import articles, index, recent
from omniline.models import Audience, Tenant
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

STAFF = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)
PORTAL = (Audience.PUBLIC, Audience.BOTH)


@pytest.fixture
async def tenants(runtime: Runtime) -> AsyncIterator[tuple[Tenant, Tenant]]:
    work = runtime.work()
    made = (
        await create_tenant(work, slug="acme", name="Acme"),
        await create_tenant(work, slug="globex", name="Globex"),
    )
    await work.commit()
    await work.session.close()
    recent.clear()
    yield made
    recent.clear()


@pytest.fixture
def index_queries(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The terms of every query that reached the index (a search served again does not)."""
    asked: list[list[str]] = []
    original = index.search

    async def counted(session: Any, tenant_id: uuid.UUID, terms: list[str], **kw: Any) -> Any:
        asked.append(terms)
        return await original(session, tenant_id, terms, **kw)

    monkeypatch.setattr(index, "search", counted)
    return asked


async def _publish(
    runtime: Runtime, tenant: Tenant, title: str, body: str, audience: Audience = Audience.BOTH
) -> uuid.UUID:
    work = runtime.work()
    row = await articles.create_article(
        work, tenant, title=title, body=body, language="en", audience=audience
    )
    await articles.publish(work, tenant, row)
    await work.commit()
    await work.session.close()
    return row.id


async def _search(
    runtime: Runtime, tenant: Tenant, query: str, audiences: tuple[Audience, ...] = STAFF
) -> list[tuple[uuid.UUID, str]]:
    work = runtime.work()
    found, _ = await articles.search(work, tenant, query, language="en", audiences=audiences)
    await work.session.close()
    return [(f.article.id, f.snippet) for f in found]


async def _change(runtime: Runtime, tenant: Tenant, article_id: uuid.UUID, how: str) -> None:
    work = runtime.work()
    row = await articles.get_article_or_raise(work, tenant, article_id)
    if how == "unpublish":
        await articles.unpublish(work, tenant, row)
    else:
        await articles.edit_article(work, tenant, row, {"body": "<p>Now about roaming.</p>"})
        if how == "edit and publish":
            await articles.publish(work, tenant, row)
    await work.commit()
    await work.session.close()


async def test_a_repeated_search_is_served_again(
    runtime: Runtime, tenants: tuple[Tenant, Tenant], index_queries: list[list[str]]
) -> None:
    acme, _ = tenants
    await _publish(runtime, acme, "Card blocked", "<p>Unblock your card in the app.</p>")
    first = await _search(runtime, acme, "blocked card")
    again = await _search(runtime, acme, "blocking cards")  # the same terms
    assert first == again
    assert len(first) == 1
    assert "<mark>" in first[0][1]
    assert len(index_queries) == 1


@pytest.mark.parametrize("how", ["edit and publish", "unpublish", "edit only"])
async def test_a_change_in_this_process_shows_at_once(
    runtime: Runtime, tenants: tuple[Tenant, Tenant], how: str
) -> None:
    acme, _ = tenants
    article_id = await _publish(runtime, acme, "Card blocked", "<p>Call the hotline.</p>")
    assert [a for a, _ in await _search(runtime, acme, "hotline")] == [article_id]
    await _change(runtime, acme, article_id, how)
    still = [a for a, _ in await _search(runtime, acme, "hotline")]
    roaming = [a for a, _ in await _search(runtime, acme, "roaming")]
    if how == "edit only":  # readers keep the published version until the next publish
        assert (still, roaming) == ([article_id], [])
    elif how == "edit and publish":
        assert (still, roaming) == ([], [article_id])
    else:
        assert (still, roaming) == ([], [])


async def test_a_change_by_another_process_shows_at_its_commit(
    runtime: Runtime, tenants: tuple[Tenant, Tenant], index_queries: list[list[str]]
) -> None:
    """Another process shares nothing with this one but the database: here its unpublish is
    written with plain SQL through an engine of its own, as its `index.remove` would."""
    acme, _ = tenants
    article_id = await _publish(runtime, acme, "Card blocked", "<p>Unblock your card.</p>")
    assert len(await _search(runtime, acme, "unblock")) == 1
    other = make_engine(runtime.settings.db_url)
    postgres = other.dialect.name == "postgresql"
    ids = {"a": article_id if postgres else str(article_id)}
    tenant = {"t": acme.id if postgres else str(acme.id), "g": uuid.uuid4().hex}
    async with other.begin() as conn:
        if postgres:  # each term's articles, which only PostgreSQL keeps
            await conn.execute(text("DELETE FROM article_fts_postings WHERE article_id = :a"), ids)
        await conn.execute(text("DELETE FROM article_fts WHERE article_id = :a"), ids)
        await conn.execute(
            text("UPDATE article_fts_state SET generation = :g WHERE tenant_id = :t"), tenant
        )
    await other.dispose()
    assert await _search(runtime, acme, "unblock") == []
    assert len(index_queries) == 2


async def test_tenants_and_audiences_never_share_results(
    runtime: Runtime, tenants: tuple[Tenant, Tenant]
) -> None:
    acme, globex = tenants
    body = "<p>Refunds for duplicate card payments.</p>"
    mine = await _publish(runtime, acme, "Refund rules", body, Audience.INTERNAL)
    theirs = await _publish(runtime, globex, "Refund rules", body, Audience.INTERNAL)
    assert [a for a, _ in await _search(runtime, acme, "refund")] == [mine]
    assert [a for a, _ in await _search(runtime, globex, "refund")] == [theirs]
    assert await _search(runtime, acme, "refund", PORTAL) == []  # staff's result not served
    assert [a for a, _ in await _search(runtime, acme, "refund")] == [mine]


async def test_a_search_in_a_rolled_back_change_is_not_served_later(
    runtime: Runtime, tenants: tuple[Tenant, Tenant]
) -> None:
    acme, _ = tenants
    article_id = await _publish(runtime, acme, "Card blocked", "<p>Unblock your card.</p>")
    work = runtime.work()
    row = await articles.get_article_or_raise(work, acme, article_id)
    await articles.unpublish(work, acme, row)
    inside, _ = await articles.search(work, acme, "unblock", language="en", audiences=STAFF)
    assert inside == []  # the transaction sees its own change
    await work.rollback()
    await work.session.close()
    assert [a for a, _ in await _search(runtime, acme, "unblock")] == [article_id]


async def test_old_results_give_way_to_new_ones() -> None:
    recent.clear()
    keys = [recent.Key.of(uuid.uuid4(), "g", STAFF, ["card"], 10) for _ in range(recent.SIZE + 1)]
    for key in keys:
        recent.keep(key, ())
    assert recent.get(keys[0]) is None
    assert recent.get(keys[-1]) == ()
    assert recent.Key.of(keys[1].tenant_id, "g", tuple(reversed(STAFF)), ["card"], 10) == keys[1]
    recent.clear()
