"""Knowledge feedback: "did this help?", articles used on contacts, and searches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 04:23:04.796443
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_searches",
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("terms", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_knowledge_searches_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_searches")),
    )
    with op.batch_alter_table("knowledge_searches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_searches_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "article_feedback",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_feedback_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_article_feedback_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_feedback")),
    )
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_feedback_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_feedback_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "article_uses",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_uses_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_article_uses_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_uses")),
    )
    with op.batch_alter_table("article_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_uses_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_uses_interaction_id"), ["interaction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_article_uses_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_uses_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_article_uses_interaction_id"))
        batch_op.drop_index(batch_op.f("ix_article_uses_article_id"))

    op.drop_table("article_uses")
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_feedback_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_article_feedback_article_id"))

    op.drop_table("article_feedback")
    with op.batch_alter_table("knowledge_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_searches_tenant_id"))

    op.drop_table("knowledge_searches")
