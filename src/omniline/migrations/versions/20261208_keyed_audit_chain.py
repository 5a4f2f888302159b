"""The audit log is signed with the installation's key: seal the chains written without it

Every chain with entries gets one keyed entry (`audit.chain_keyed`) that signs the last unkeyed
hash; `omniline audit verify` accepts unkeyed entries only before such a seal
(docs/adr/0011-keyed-audit-chain.md). No schema change.

Revision ID: 0013_keyed_audit
Revises: 0013_desk_presence
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

from omniline.journal.hashing import SEAL_ACTION, AuditKey, entry_hash
from omniline.kit.types import JSONDoc, UTCDateTime

revision: str = "0013_keyed_audit"
down_revision: str | None = "0013_desk_presence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEADS = sa.table(
    "journal_heads",
    sa.column("stream", sa.String),
    sa.column("audit_seq", sa.BigInteger),
    sa.column("audit_hash", sa.String),
)
AUDIT_LOG = sa.table(
    "audit_log",
    *(sa.column(name, sa.String) for name in ("stream", "actor_type", "actor_id", "ip")),
    *(sa.column(name, sa.String) for name in ("action", "object_type", "object_id")),
    *(sa.column(name, sa.String) for name in ("prev_hash", "hash")),
    sa.column("seq", sa.BigInteger),
    sa.column("at", UTCDateTime()),
    sa.column("data", JSONDoc()),
)


def upgrade() -> None:
    bind = op.get_bind()
    heads = bind.execute(
        sa.select(HEADS.c.stream, HEADS.c.audit_seq, HEADS.c.audit_hash)
        .where(HEADS.c.audit_seq > 0)
        .with_for_update()
    ).all()
    if not heads:
        return
    key = context.config.attributes.get("audit_key")
    if not isinstance(key, AuditKey):
        raise RuntimeError(
            "this upgrade signs the existing audit log with the installation's audit key:"
            " run it with `omniline migrate` (or `omniline serve`), which know the key"
        )
    at = datetime.now(UTC)  # not the product's clock: a migration happens when it happens
    for stream, seq, prev in heads:
        fields = {
            "stream": stream,
            "seq": seq + 1,
            "at": at,
            "actor_type": "system",
            "actor_id": None,
            "ip": None,
            "action": SEAL_ACTION,
            "object_type": "audit_chain",
            "object_id": stream,
            "data": {"unkeyed_entries": seq, "key_id": key.id},
            "prev_hash": prev,
        }
        digest = entry_hash(key, **fields)
        bind.execute(sa.insert(AUDIT_LOG).values(**fields, hash=digest))
        bind.execute(
            sa.update(HEADS)
            .where(HEADS.c.stream == stream)
            .values(audit_seq=seq + 1, audit_hash=digest)
        )


def downgrade() -> None:
    # the seals stay: they are entries of the log like any other, and the unkeyed rule
    # of the older code reports them as changed rather than silently dropping evidence
    pass
