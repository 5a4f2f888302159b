"""Typed identities never decide who someone is; merge suggestions; case-status codes

Revision ID: 0013_typed_identities
Revises: 0013_people
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0013_typed_identities"
down_revision: str | None = "0013_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer_identities", schema=None) as batch_op:
        # identities stored so far came from channels: none of them was typed on a form
        batch_op.add_column(
            sa.Column("typed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint("uq_customer_identities_tenant_id_kind_value", type_="unique")
        batch_op.create_index(
            "uq_customer_identities_held",
            ["tenant_id", "kind", "value"],
            unique=True,
            sqlite_where=sa.text("NOT typed"),
            postgresql_where=sa.text("NOT typed"),
        )
        batch_op.create_index(
            "ix_customer_identities_value", ["tenant_id", "kind", "value"], unique=False
        )
    op.create_table(
        "customer_merge_suggestions",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("kinds", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merge_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", omniline.kit.types.UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["customers.id"],
            name=op.f("fk_customer_merge_suggestions_candidate_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_merge_suggestions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_merge_suggestions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merge_suggestions")),
        sa.UniqueConstraint(
            "tenant_id",
            "customer_id",
            "candidate_id",
            name=op.f("uq_customer_merge_suggestions_tenant_id_customer_id_candidate_id"),
        ),
    )
    with op.batch_alter_table("customer_merge_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_merge_suggestions_candidate", ["tenant_id", "candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_merge_suggestions_tenant_id"), ["tenant_id"], unique=False
        )
    op.create_table(
        "case_status_codes",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=320), nullable=False),
        sa.Column("lookup_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", omniline.kit.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", omniline.kit.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_status_codes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_case_status_codes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_codes")),
    )
    with op.batch_alter_table("case_status_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_codes_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("case_status_codes")
    op.drop_table("customer_merge_suggestions")
    with op.batch_alter_table("customer_identities", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_identities_value")
        batch_op.drop_index("uq_customer_identities_held")
        batch_op.create_unique_constraint(
            "uq_customer_identities_tenant_id_kind_value", ["tenant_id", "kind", "value"]
        )
        batch_op.drop_column("typed")
