"""One customer, with every identity they reach us by."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
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
    """A way a customer reaches us. `typed`: a visitor typed it on a form and nothing proves
    it is theirs; it is where we answer them, but it never decides who anyone is, so several
    customers may have typed the same value. Every other value has exactly one holder.
    `verified`: proven (signed by the tenant's site, or a code sent to it came back)."""

    __tablename__ = "customer_identities"
    __table_args__ = (
        Index(
            "uq_customer_identities_held",
            "tenant_id",
            "kind",
            "value",
            unique=True,
            sqlite_where=text("NOT typed"),
            postgresql_where=text("NOT typed"),
        ),
        Index("ix_customer_identities_value", "tenant_id", "kind", "value"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    typed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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


class SuggestionStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class MergeSuggestion(IdMixin, CreatedMixin, TenantMixin, Base):
    """A visitor typed a detail another customer holds: maybe the same person, maybe not.

    Nothing is joined until an agent who checked confirms it (a merge of `customer_id` into
    `candidate_id`) or dismisses it.
    """

    __tablename__ = "customer_merge_suggestions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "candidate_id"),
        Index("ix_customer_merge_suggestions_candidate", "tenant_id", "candidate_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    kinds: Mapped[list[str]] = mapped_column(JSONDoc, default=list)  # what matched: email, phone
    status: Mapped[SuggestionStatus] = mapped_column(String(16), default=SuggestionStatus.OPEN)
    merge_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
