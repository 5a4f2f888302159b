"""Nothing stranded: unrouted contacts, contacts needing a reason, inbound payload hashes

Revision ID: 0013_nothing_stranded
Revises: 0013_keyed_audit
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_nothing_stranded"
down_revision: str | None = "0013_keyed_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN, not batch mode: on SQLite a batch may copy and drop the
    # table, and dropping `interactions` would cascade to the rows that reference it
    op.add_column("interactions", sa.Column("unrouted_reason", sa.String(length=300)))
    # contacts wrapped up so far were either classified or allowed to stay unclassified
    op.add_column(
        "interactions",
        sa.Column("needs_reason", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_interactions_unrouted", "interactions", ["tenant_id", "unrouted_reason"])
    op.create_index("ix_interactions_needs_reason", "interactions", ["tenant_id", "needs_reason"])
    # messages stored so far have no hash: a reused id of theirs counts as a duplicate
    op.add_column("messages", sa.Column("payload_hash", sa.String(length=64)))
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
