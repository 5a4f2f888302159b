"""One customer, with every identity they reach us by."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class Customer(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "customers"

    display_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    # sensitive personal data: masked unless the role may read it, and every read is audited
    address: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("customers.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerIdentity(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "value"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # never loaded (lazy='raise'): it only tells the unit of work to insert parents first
    customer: Mapped[Customer] = relationship(lazy="raise")


class CustomerMerge(IdMixin, CreatedMixin, TenantMixin, Base):
    """What a merge moved, so that it can be undone exactly."""

    __tablename__ = "customer_merges"
    __table_args__ = (Index("ix_customer_merges_source", "tenant_id", "source_id"),)

    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))
    moved: Mapped[dict[str, list[str]]] = mapped_column(JSONDoc, default=dict)
    merged_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
