"""Routing: queues, routing profiles, agents, the routing lock; routing columns on interactions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:58:38.652514
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omniline.kit.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("channels", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("sl_percent", sa.Integer(), nullable=False),
        sa.Column("sl_seconds", sa.Integer(), nullable=False),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("next_response_seconds", sa.Integer(), nullable=True),
        sa.Column("escalate_at_percent", sa.Integer(), nullable=False),
        sa.Column("escalation_boost", sa.Integer(), nullable=False),
        sa.Column("calendar", omniline.kit.types.JSONDoc(), nullable=True),
        sa.Column("closed_action", sa.String(length=16), nullable=False),
        sa.Column("closed_queue_id", sa.Uuid(), nullable=True),
        sa.Column("max_wait_seconds", sa.Integer(), nullable=True),
        sa.Column("max_size", sa.Integer(), nullable=True),
        sa.Column("overflow_action", sa.String(length=16), nullable=False),
        sa.Column("overflow_queue_id", sa.Uuid(), nullable=True),
        sa.Column("steps", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("offer_timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("wrap_up_seconds", sa.Integer(), nullable=False),
        sa.Column("preferred_agent_hours", sa.Integer(), nullable=False),
        sa.Column("repeat_boost", sa.Integer(), nullable=False),
        sa.Column("vip_boost", sa.Integer(), nullable=False),
        sa.Column("updated_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_queue_id"], ["queues.id"], name=op.f("fk_queues_closed_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["overflow_queue_id"], ["queues.id"], name=op.f("fk_queues_overflow_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_queues_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_queues_tenant_id_name")),
    )
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queues_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "routing_heads",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("tick_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_routing_heads_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_routing_heads")),
    )
    op.create_table(
        "routing_profiles",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("queues", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("capacity", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("blocks", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("auto_accept", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("updated_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_routing_profiles_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_profiles")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_routing_profiles_tenant_id_name")),
    )
    with op.batch_alter_table("routing_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_profiles_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "agents",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=True),
        sa.Column("skills", omniline.kit.types.JSONDoc(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("state_since", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_since", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["routing_profiles.id"],
            name=op.f("fk_agents_profile_id_routing_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_agents_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_agents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_agents_tenant_id_user_id")),
    )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agents_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("admitted_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("routing_priority", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("preferred_agent_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "preferred_until", omniline.kit.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "declined_by", omniline.kit.types.JSONDoc(), nullable=False, server_default="[]"
            )
        )
        batch_op.add_column(
            sa.Column(
                "offer_expires_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "callback_offered_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "wrap_up_due_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("response_clock", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column(
                "response_due_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("sla_warn_at", omniline.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("sla_state", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.create_index(
            "ix_interactions_agent", ["tenant_id", "agent_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_routing", ["tenant_id", "status", "queue_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_interactions_queue_id_queues"), "queues", ["queue_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_interactions_queue_id_queues"), type_="foreignkey")
        batch_op.drop_index("ix_interactions_routing")
        batch_op.drop_index("ix_interactions_agent")
        batch_op.drop_column("sla_state")
        batch_op.drop_column("sla_warn_at")
        batch_op.drop_column("response_due_at")
        batch_op.drop_column("response_clock")
        batch_op.drop_column("wrap_up_due_at")
        batch_op.drop_column("callback_offered_at")
        batch_op.drop_column("offer_expires_at")
        batch_op.drop_column("declined_by")
        batch_op.drop_column("preferred_until")
        batch_op.drop_column("preferred_agent_id")
        batch_op.drop_column("routing_priority")
        batch_op.drop_column("admitted_at")
        batch_op.drop_column("queue_id")

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agents_tenant_id"))

    op.drop_table("agents")
    with op.batch_alter_table("routing_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_profiles_tenant_id"))

    op.drop_table("routing_profiles")
    op.drop_table("routing_heads")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queues_tenant_id"))

    op.drop_table("queues")
