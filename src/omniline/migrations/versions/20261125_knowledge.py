"""Knowledge base: articles, their versions, their reasons, and the search index

The search index is not in the models: it is FTS5 on SQLite and a tsvector table with a GIN
index on PostgreSQL (`omniline.knowledge.index`), both named article_fts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:07:15.291182
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("tags", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("updated_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_articles_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_articles_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_articles_tenant_id_slug")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "article_reasons",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("reason_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_reasons_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reason_id"],
            ["contact_reasons.id"],
            name=op.f("fk_article_reasons_reason_id_contact_reasons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_article_reasons_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "reason_id", name=op.f("pk_article_reasons")),
    )
    with op.batch_alter_table("article_reasons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_reasons_reason_id"), ["reason_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_reasons_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "article_versions",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("tags", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_versions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_article_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint(
            "article_id", "number", name=op.f("uq_article_versions_article_id_number")
        ),
    )
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_versions_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_versions_tenant_id"), ["tenant_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE article_fts ("
            " article_id uuid PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,"
            " tenant_id uuid NOT NULL, language varchar(16) NOT NULL,"
            " audience varchar(16) NOT NULL, kind varchar(16) NOT NULL,"
            " doc tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX article_fts_doc ON article_fts USING gin (doc)")
        op.execute("CREATE INDEX article_fts_tenant ON article_fts (tenant_id)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            "article_id UNINDEXED, tenant_id UNINDEXED, language UNINDEXED,"
            " audience UNINDEXED, kind UNINDEXED, title, body,"
            " tokenize = 'unicode61 remove_diacritics 0')"
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS article_fts")
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_versions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_article_versions_article_id"))

    op.drop_table("article_versions")
    with op.batch_alter_table("article_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_reasons_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_article_reasons_reason_id"))

    op.drop_table("article_reasons")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_tenant_id"))

    op.drop_table("articles")
