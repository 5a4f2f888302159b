"""The migrations build exactly the schema the models describe, on every backend."""

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from omniline.kit.clock import utcnow
from omniline.kit.db import make_engine
from omniline.kit.ids import new_id
from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.migrate import upgrade_async
from omniline.models import Base, outside_models


def _diff(connection: Connection) -> list[Any]:
    opts = {
        "compare_type": True,
        "include_name": lambda name, kind, _: not (kind == "table" and outside_models(name)),
    }
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_equals_models(db_url: str) -> None:
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == []


# --- 0013: translations linked as the portal guessed them ---------------------------------

_TENANTS = sa.table(
    "tenants", sa.column("id", sa.Uuid()), sa.column("slug", sa.String()),
    sa.column("name", sa.String()), sa.column("timezone", sa.String()),
    sa.column("default_language", sa.String()), sa.column("default_region", sa.String()),
    sa.column("business_calendar", JSONDoc()), sa.column("settings", JSONDoc()),
    sa.column("next_case_number", sa.Integer()), sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_ARTICLES = sa.table(
    "articles", sa.column("id", sa.Uuid()), sa.column("tenant_id", sa.Uuid()),
    sa.column("slug", sa.String()), sa.column("kind", sa.String()),
    sa.column("status", sa.String()), sa.column("version", sa.Integer()),
    sa.column("published_version", sa.Integer()), sa.column("title", sa.String()),
    sa.column("body", sa.Text()), sa.column("language", sa.String()),
    sa.column("audience", sa.String()), sa.column("tags", JSONDoc()),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_REASONS = sa.table(
    "contact_reasons", sa.column("id", sa.Uuid()), sa.column("tenant_id", sa.Uuid()),
    sa.column("code", sa.String()), sa.column("name", sa.String()),
    sa.column("description", sa.Text()), sa.column("active", sa.Boolean()),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_LINKS = sa.table(
    "article_reasons", sa.column("tenant_id", sa.Uuid()), sa.column("article_id", sa.Uuid()),
    sa.column("reason_id", sa.Uuid()), sa.column("position", sa.Integer()),
)  # fmt: skip


def _seed_0012(connection: Connection) -> dict[str, uuid.UUID]:
    """Articles as 0012 kept them: the demo's way of naming translations, one the guess
    found (same reasons, a shared tag), and look-alikes that are no translations."""
    now, tenant = utcnow(), new_id()
    connection.execute(_TENANTS.insert().values(
        id=tenant, slug="bank", name="Bank", timezone="UTC", default_language="en",
        default_region="PL", business_calendar={}, settings={}, next_case_number=1,
        created_at=now,
    ))  # fmt: skip
    cards = new_id()
    connection.execute(_REASONS.insert().values(
        id=cards, tenant_id=tenant, code="cards", name="Cards", description="", active=True,
        created_at=now,
    ))  # fmt: skip
    made: dict[str, uuid.UUID] = {}
    for slug, language, tags, status in [
        ("unblock", "en", ["cards", "pin"], "published"),
        ("unblock-ru", "ru", ["карты"], "published"),  # named: linked though no tag is shared
        ("odblokuj", "pl", ["pin"], "published"),  # guessed: same reasons, a shared tag
        ("fees", "en", ["fees"], "published"),
        ("oplaty", "pl", ["opłaty"], "published"),  # no shared tag, other name: alone
        ("draft-pin", "ru", ["pin"], "draft"),  # a draft was never guessed: alone
    ]:
        made[slug] = new_id()
        connection.execute(_ARTICLES.insert().values(
            id=made[slug], tenant_id=tenant, slug=slug, kind="article", status=status,
            version=1, published_version=1 if status == "published" else None, title=slug,
            body="<p>x</p>", language=language, audience="both", tags=tags, created_at=now,
        ))  # fmt: skip
        connection.execute(
            _LINKS.insert().values(
                tenant_id=tenant, article_id=made[slug], reason_id=cards, position=0
            )
        )
    return made


async def _empty_database(db_url: str, tmp_path: Path) -> str:
    """A database of its own, empty, on the backend of `db_url`."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'old.db'}"
    import asyncpg

    base, _, name = db_url.rpartition("/")
    mine = f"{name}_old"
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{mine}"')
        await conn.execute(f'CREATE DATABASE "{mine}"')
    finally:
        await conn.close()
    return f"{base}/{mine}"


async def test_0013_links_the_translations_the_portal_guessed(db_url: str, tmp_path: Path) -> None:
    url = await _empty_database(db_url, tmp_path)
    await upgrade_async(url, "0012")
    engine = make_engine(url)
    async with engine.begin() as conn:
        made = await conn.run_sync(_seed_0012)
    await upgrade_async(url, "head")
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(_ARTICLES.c.id, sa.column("translation_group", sa.Uuid())).select_from(
                _ARTICLES
            )
        )
        group = {article_id: found for article_id, found in rows.all()}  # noqa: C416
        jobs = (await conn.execute(sa.text("SELECT kind FROM jobs"))).scalars().all()
    await engine.dispose()
    unblock = made["unblock"]
    assert {group[made[s]] for s in ("unblock", "unblock-ru", "odblokuj")} == {unblock}
    assert [group[made[s]] for s in ("fees", "oplaty", "draft-pin")] == [None, None, None]
    assert jobs == ["knowledge.reindex"]  # the published articles are analysed again
