"""Hits counted against rate limits on public endpoints (chat starts, written requests)."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class RateHit(IdMixin, CreatedMixin, TenantMixin, Base):
    """One use of a limited action by one client (a keyed hash of its address)."""

    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_bucket", "tenant_id", "bucket", "client", "created_at"),)

    bucket: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(64))
