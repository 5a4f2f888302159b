"""Nothing stranded: unrouted contacts, contacts needing a reason, inbound payload hashes

Revision ID: 0013_nothing_stranded
Revises: 0012
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_nothing_stranded"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unrouted_reason", sa.String(length=300), nullable=True))
        # contacts wrapped up so far were either classified or allowed to stay unclassified
        batch_op.add_column(
            sa.Column("needs_reason", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            "ix_interactions_unrouted", ["tenant_id", "unrouted_reason"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_needs_reason", ["tenant_id", "needs_reason"], unique=False
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        # messages stored so far have no hash: a reused id of theirs counts as a duplicate
        batch_op.add_column(sa.Column("payload_hash", sa.String(length=64), nullable=True))
    # contacts routing left in 'created' with no queue before this revision become visible
    op.execute(
        "UPDATE interactions SET unrouted_reason = 'no queue serves the channel' "
        "WHERE status = 'created' AND admitted_at IS NOT NULL AND queue_id IS NULL "
        "AND direction = 'inbound'"
    )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("payload_hash")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_needs_reason")
        batch_op.drop_index("ix_interactions_unrouted")
        batch_op.drop_column("needs_reason")
        batch_op.drop_column("unrouted_reason")
