"""Messages keep how their channel addressed them (e-mail: to, subject, references)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        # messages stored so far were addressed by their customer and thread alone
        batch_op.add_column(
            sa.Column(
                "headers",
                omniline.kit.types.JSONDoc(),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("headers")
