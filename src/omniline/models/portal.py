"""The self-service portal: visits (for deflection) and case-status lookups (for rate limits)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class PortalVisit(IdMixin, TenantMixin, Base):
    """One visitor's session on a tenant's help portal; it ends deflected or as a contact.

    No personal data: the visit knows what was searched and read, and the contact it became.
    """

    __tablename__ = "portal_visits"
    __table_args__ = (Index("ix_portal_visits_tenant_started", "tenant_id", "started_at"),)

    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(16))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(Integer, default=0)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PortalEvent(IdMixin, CreatedMixin, TenantMixin, Base):
    """What a visitor did: searched, read an article, browsed a category, asked for contact."""

    __tablename__ = "portal_events"

    visit_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("portal_visits.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # search, view, category, contact, callback
    query: Mapped[str] = mapped_column(String(500), default="")
    results: Mapped[int | None] = mapped_column(Integer)
    article_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class CaseLookup(IdMixin, CreatedMixin, TenantMixin, Base):
    """One attempt to prove a case is one's own; failures are counted for rate limits.

    `client` is a keyed hash of the address, so attempts can be counted without keeping it.
    """

    __tablename__ = "case_lookups"
    __table_args__ = (
        Index("ix_case_lookups_client", "tenant_id", "client", "created_at"),
        Index("ix_case_lookups_number", "tenant_id", "case_number", "created_at"),
    )

    client: Mapped[str] = mapped_column(String(64))
    case_number: Mapped[int | None] = mapped_column(Integer)
    succeeded: Mapped[bool]


class StatusCode(IdMixin, CreatedMixin, TenantMixin, Base):
    """A one-time code sent to an address a case's customer is known by, to open the case.

    The code is not stored: it is derived from the row's id with the installation's secret,
    so neither the database nor its backups can open a case.
    """

    __tablename__ = "case_status_codes"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # email (phone, once text messages exist)
    destination: Mapped[str] = mapped_column(String(320))
    lookup_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the attempt it counts as until used
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
