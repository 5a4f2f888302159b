"""The Demo Bank's knowledge base: guidelines and help articles for every reason, searchable in
English, Russian and Polish, and nothing meant for staff shown to customers."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from omniline.config import Settings
from omniline.demo import DEMO_SLUG, REASONS, STAFF, seed_demo
from omniline.demo_knowledge import ARTICLES
from omniline.journal.work import Work
from omniline.knowledge import articles
from omniline.models import Article, ArticleStatus, Audience, ContactReason, Tenant
from omniline.runtime import Runtime
from omniline.users.service import get_user_by_email

PUBLIC = (Audience.PUBLIC, Audience.BOTH)
EVERYONE = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)


@pytest.fixture
async def demo(settings: Settings, runtime: Runtime) -> AsyncIterator[tuple[Work, Tenant]]:
    """The seeded demo, and a unit of work to read it with."""
    await seed_demo(settings)
    work = runtime.work()
    try:
        tenant = await work.session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        assert tenant is not None
        yield work, tenant
    finally:
        await work.session.close()


async def test_every_article_is_published_by_the_supervisor(demo: tuple[Work, Tenant]) -> None:
    work, tenant = demo
    rows = await articles.list_articles(work, tenant, limit=500)
    assert sorted(a.slug for a in rows) == sorted(a.slug for a in ARTICLES)
    assert {a.status for a in rows} == {ArticleStatus.PUBLISHED}
    supervisor = next(email for email, _, role in STAFF if role == "supervisor")
    editor = await get_user_by_email(work.session, supervisor)
    assert editor is not None
    assert {a.owner_id for a in rows} == {editor.id}
    assert {a.language for a in rows} == {"en", "ru", "pl"}


async def test_every_leaf_reason_has_a_guideline_and_a_public_article(
    demo: tuple[Work, Tenant],
) -> None:
    work, tenant = demo
    leaves = [code for code, _, parent, _ in REASONS if parent is not None] + ["complaints"]
    for code in leaves:
        reason = await work.session.scalar(
            select(ContactReason).where(
                ContactReason.tenant_id == tenant.id, ContactReason.code == code
            )
        )
        assert reason is not None
        guidelines, solutions = await articles.for_reason(
            work, tenant, reason.id, audiences=EVERYONE
        )
        assert guidelines, f"{code} has no guideline"
        assert all(g.audience == Audience.INTERNAL for g in guidelines)
        assert any(a.audience in PUBLIC for a in solutions), f"{code} has no public article"


@pytest.mark.parametrize(
    ("query", "language", "slug"),
    [
        ("block card", "en", "block-a-lost-card"),
        ("заблокировать карту", "ru", "block-a-lost-card-ru"),
        ("zablokować kartę", "pl", "block-a-lost-card-pl"),
        # issue 12: the customer says the card "is blocked"; the article says "unblock"
        ("заблокирована карта", "ru", "unblock-card-after-wrong-pin-ru"),
        ("zablokowana karta", "pl", "unblock-card-after-wrong-pin-pl"),
    ],
)
async def test_customers_find_how_to_block_a_card_in_their_language(
    demo: tuple[Work, Tenant], query: str, language: str, slug: str
) -> None:
    work, tenant = demo
    found, _ = await articles.search(work, tenant, query, language=None, audiences=PUBLIC)
    assert slug in [f.article.slug for f in found]
    assert {f.content.language for f in found} == {language}
    assert all(f.article.audience in PUBLIC for f in found)


async def test_nothing_for_staff_is_public(demo: tuple[Work, Tenant]) -> None:
    work, tenant = demo
    internal = {a.slug for a in ARTICLES if a.audience == Audience.INTERNAL}
    rows = list(await work.session.scalars(select(Article).where(Article.tenant_id == tenant.id)))
    assert {a.slug for a in rows if a.audience == Audience.INTERNAL} == internal
    assert len(internal) >= 9  # seven guidelines and two staff notes
    for query in ("refund limit", "security questions", "what you may promise"):
        found, _ = await articles.search(work, tenant, query, language="en", audiences=PUBLIC)
        assert not {f.article.slug for f in found} & internal, query
        staff, _ = await articles.search(work, tenant, query, language="en", audiences=EVERYONE)
        assert {f.article.slug for f in staff} & internal, f"{query} finds staff articles"
