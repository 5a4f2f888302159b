"""Inbound failures keep the payload's bytes as received, not a UTF-8 reading of them

Revision ID: 0013_inbound_failure_bytes
Revises: 0012
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_inbound_failure_bytes"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # the payloads kept so far are text: their UTF-8 bytes are what was read
        op.execute(
            "ALTER TABLE inbound_failures ALTER COLUMN payload TYPE BYTEA "
            "USING convert_to(payload, 'UTF8')"
        )
        return
    with op.batch_alter_table("inbound_failures", schema=None) as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.Text(), type_=sa.LargeBinary(), existing_nullable=False
        )
    # SQLite copies the old values as text; make them the blobs the column now holds
    op.execute("UPDATE inbound_failures SET payload = CAST(payload AS BLOB)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # bytes that are not UTF-8 come back escaped: text cannot hold them
        op.execute(
            "ALTER TABLE inbound_failures ALTER COLUMN payload TYPE TEXT "
            "USING encode(payload, 'escape')"
        )
        return
    with op.batch_alter_table("inbound_failures", schema=None) as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.LargeBinary(), type_=sa.Text(), existing_nullable=False
        )
    op.execute("UPDATE inbound_failures SET payload = CAST(payload AS TEXT)")
