"""A case is the customer's issue; it may span channels and days."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omniline.kit.types import UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin
from omniline.models.customer import Customer


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Case(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_cases_customer_status", "tenant_id", "customer_id", "status"),
    )

    number: Mapped[int]
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.NEW)
    priority: Mapped[Priority] = mapped_column(String(16), default=Priority.NORMAL)
    reason_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("contact_reasons.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    first_channel: Mapped[str] = mapped_column(String(32), default="")
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # never loaded (lazy='raise'): it only tells the unit of work to insert parents first
    customer: Mapped[Customer] = relationship(lazy="raise")
