"""Desks: an agent is offered work only while a desk of theirs is connected; contacts
remember when their agent opened them

Revision ID: 0013_desk_presence
Revises: 0013_inbound_failure_bytes
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0013_desk_presence"
down_revision: str | None = "0013_inbound_failure_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desks",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", omniline.kit.types.UTCDateTime(), nullable=False),
        sa.Column("seen_at", omniline.kit.types.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_desks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_desks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desks")),
    )
    op.create_index("ix_desks_agent", "desks", ["tenant_id", "user_id"], unique=False)
    op.create_index(op.f("ix_desks_tenant_id"), "desks", ["tenant_id"], unique=False)
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", omniline.kit.types.UTCDateTime(), nullable=True))
    # contacts agents hold today were handled before desks were tracked: count them opened
    op.execute(
        "UPDATE interactions SET opened_at = answered_at "
        "WHERE status IN ('active', 'held', 'ended') AND answered_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
    op.drop_index(op.f("ix_desks_tenant_id"), table_name="desks")
    op.drop_index("ix_desks_agent", table_name="desks")
    op.drop_table("desks")
