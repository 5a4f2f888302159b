"""Articles: translations linked explicitly, the format the author wrote in; reasons: names
per language

- articles.translation_group: the same topic in other languages shares it. The portal used to
  guess translations (public published articles in another language linked to all of the
  article's reasons, sharing a tag); the guess is made once here, symmetric, together with
  the slug convention `<slug>-<language>` the demo and imports use, so nothing shown before is
  lost. A group holds one article per language.
- articles/article_versions.body_format and .markdown: Markdown as the author wrote it.
- contact_reasons.names: {"pl": ..., "ru": ...}.
- The Russian stemming changed (aspect prefixes of -ировать verbs): a `knowledge.reindex` job
  per tenant with published articles analyses them again.

Revision ID: 0013_translations
Revises: 0013_typed_identities
Create Date: 2026-12-08 00:00:00
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types
from omniline.kit.clock import utcnow
from omniline.kit.ids import new_id

revision: str = "0013_translations"
down_revision: str | None = "0013_typed_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE ... ADD COLUMN on both databases: a batch (copy-and-rename) table on
    # SQLite would drop the old table, and its foreign keys would delete the rows that
    # reference it (article_reasons, article_versions...)
    for table in ("articles", "article_versions"):
        op.add_column(
            table,
            sa.Column("body_format", sa.String(length=8), nullable=False, server_default="html"),
        )
        op.add_column(table, sa.Column("markdown", sa.Text(), nullable=False, server_default=""))
    op.add_column("articles", sa.Column("translation_group", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_articles_translation",
        "articles",
        ["tenant_id", "translation_group", "language"],
        unique=True,
    )
    op.add_column(
        "contact_reasons",
        sa.Column(
            "names", omniline.kit.types.JSONDoc(), nullable=False, server_default=sa.text("'{}'")
        ),
    )
    _link_translations()
    _reindex_published()


def downgrade() -> None:
    op.drop_column("contact_reasons", "names")
    op.drop_index("ix_articles_translation", table_name="articles")
    op.drop_column("articles", "translation_group")
    for table in ("article_versions", "articles"):
        op.drop_column(table, "markdown")
        op.drop_column(table, "body_format")


class _Row:
    def __init__(self, row: Sequence[object]) -> None:
        self.id = _uuid(row[0])
        self.tenant_id = _uuid(row[1])
        self.slug, self.language, self.kind = str(row[2]), str(row[3]), str(row[4])
        tags = json.loads(row[5]) if isinstance(row[5], str) else row[5]
        self.tags: set[str] = set(tags) if isinstance(tags, list) else set()
        self.public = row[6] == "published" and row[7] in ("public", "both")
        self.reasons: set[uuid.UUID] = set()


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _guessed(a: _Row, b: _Row) -> bool:
    """The portal's former guess, both ways: b has all of a's reasons and shares a tag."""
    if not (a.public and b.public and a.kind == "article" and b.kind == "article"):
        return False
    if not a.reasons or not a.reasons <= b.reasons:
        return False
    return not a.tags or bool(a.tags & b.tags)


def _named(a: _Row, b: _Row) -> bool:
    return b.slug == f"{a.slug}-{b.language}" and a.kind == b.kind


def _link_translations() -> None:
    bind = op.get_bind()
    rows = [
        _Row(r)
        for r in bind.execute(
            sa.text(
                "SELECT id, tenant_id, slug, language, kind, tags, status, audience "
                "FROM articles ORDER BY id"
            )
        )
    ]
    by_id = {r.id: r for r in rows}
    for article_id, reason_id in bind.execute(
        sa.text("SELECT article_id, reason_id FROM article_reasons")
    ):
        found = by_id.get(_uuid(article_id))
        if found is not None:
            found.reasons.add(_uuid(reason_id))
    group = {r.id: r.id for r in rows}
    languages = {r.id: {r.language} for r in rows}

    def root(x: uuid.UUID) -> uuid.UUID:
        while group[x] != x:
            x = group[x]
        return x

    tenants: dict[uuid.UUID, list[_Row]] = {}
    for r in rows:
        tenants.setdefault(r.tenant_id, []).append(r)
    for same_tenant in tenants.values():
        pairs = [(a, b) for a in same_tenant for b in same_tenant if a.language != b.language]
        # the slug convention first: it never guesses wrong
        for a, b in [p for p in pairs if _named(*p)] + [p for p in pairs if _guessed(*p)]:
            ra, rb = root(a.id), root(b.id)
            if ra != rb and not languages[ra] & languages[rb]:
                first, second = sorted((ra, rb))  # the older article names the group
                group[second] = first
                languages[first] |= languages.pop(second)
    for r in rows:
        made = root(r.id)
        if len(languages[made]) > 1:
            bind.execute(
                sa.text("UPDATE articles SET translation_group = :g WHERE id = :id"),
                {"g": _param(bind, made), "id": _param(bind, r.id)},
            )


def _param(bind: sa.Connection, value: uuid.UUID) -> uuid.UUID | str:
    return value if bind.dialect.name == "postgresql" else value.hex


def _reindex_published() -> None:
    bind = op.get_bind()
    tenants = bind.execute(
        sa.text("SELECT DISTINCT tenant_id FROM articles WHERE status = 'published'")
    ).scalars()
    now = utcnow()
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("payload", omniline.kit.types.JSONDoc()),
        sa.column("status", sa.String()),
        sa.column("run_at", omniline.kit.types.UTCDateTime()),
        sa.column("attempts", sa.Integer()),
        sa.column("max_attempts", sa.Integer()),
        sa.column("created_at", omniline.kit.types.UTCDateTime()),
    )
    for tenant_id in list(tenants):
        bind.execute(
            jobs.insert().values(
                id=new_id(),
                kind="knowledge.reindex",
                payload={"tenant_id": str(_uuid(tenant_id))},
                status="pending",
                run_at=now,
                attempts=0,
                max_attempts=10,
                created_at=now,
            )
        )
