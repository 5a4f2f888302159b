"""Hits counted against rate limits: public endpoints (chat starts, written requests) and
failed logins (installation-wide: no tenant)."""

import uuid

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.models.base import Base, CreatedMixin, IdMixin


class RateHit(IdMixin, CreatedMixin, Base):
    """One use of a limited action by one client (a keyed hash of its address or account)."""

    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_bucket", "tenant_id", "bucket", "client", "created_at"),)

    # None for installation-wide buckets such as logins
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    bucket: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(64))
