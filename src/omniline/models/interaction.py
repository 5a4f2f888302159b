"""An interaction is one contact on one channel; messages are what was said in it."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin
from omniline.models.case import Case
from omniline.models.customer import Customer


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class InteractionStatus(StrEnum):
    CREATED = "created"
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    HELD = "held"
    ENDED = "ended"
    WRAPPED_UP = "wrapped_up"


OPEN_INTERACTION_STATUSES = (
    InteractionStatus.CREATED,
    InteractionStatus.QUEUED,
    InteractionStatus.OFFERED,
    InteractionStatus.ACTIVE,
    InteractionStatus.HELD,
)


class Interaction(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_customer_channel", "tenant_id", "customer_id", "channel", "status"),
        Index("ix_interactions_thread", "tenant_id", "channel", "thread_ref"),
        Index("ix_interactions_routing", "tenant_id", "status", "queue_id"),
        Index("ix_interactions_agent", "tenant_id", "agent_id", "status"),
        Index("ix_interactions_unrouted", "tenant_id", "unrouted_reason"),
        Index("ix_interactions_needs_reason", "tenant_id", "needs_reason"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(String(16))
    status: Mapped[InteractionStatus] = mapped_column(String(16))
    # the channel's own conversation key (chat session, e-mail thread, call id), if any
    thread_ref: Mapped[str | None] = mapped_column(String(300))
    queue: Mapped[str | None] = mapped_column(String(100))
    agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    reason_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("contact_reasons.id"))
    subject: Mapped[str] = mapped_column(String(300), default="")
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when its agent first had it before them (accepted it, or a desk showed it): a contact
    # given automatically and never opened goes back to its queue if the agent leaves
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # routing: set when routing takes the contact in (queue, boosts, SLA clock)
    queue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("queues.id"))
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routing_priority: Mapped[int] = mapped_column(Integer, default=0)
    preferred_agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    preferred_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"agent_id": ..., "until": ...}]: who declined or missed it, skipped until then
    declined_by: Mapped[list[dict[str, str]]] = mapped_column(JSONDoc, default=list)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrap_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # written channels: the response the customer waits for ("first" or "next") and when due
    response_clock: Mapped[str | None] = mapped_column(String(8))
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # escalate from then on
    sla_state: Mapped[str] = mapped_column(String(16), default="")
    # why routing found no queue for the contact (it waits for a person to place it), or None
    unrouted_reason: Mapped[str | None] = mapped_column(String(300))
    # wrapped up without the reason the tenant requires (the wrap-up time ran out): it stays
    # on its agent's desk until classified, and reports count it
    needs_reason: Mapped[bool] = mapped_column(Boolean, default=False)
    # never loaded (lazy='raise'): it only tells the unit of work to insert parents first
    case: Mapped[Case] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")


class AuthorKind(StrEnum):
    """Who wrote a message: pages show it, never guess it from the direction."""

    CUSTOMER = "customer"
    AGENT = "agent"
    # a person of the tenant writing down what the customer said (a branch visit, a letter)
    STAFF = "staff"
    SYSTEM = "system"
    BOT = "bot"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class Message(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "channel", "external_id"),
        Index("ix_messages_interaction", "interaction_id", "created_at"),
    )

    interaction_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("interactions.id"))
    channel: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(String(16))
    author_kind: Mapped[AuthorKind] = mapped_column(String(16))
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(64), default="text/plain")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    internal: Mapped[bool] = mapped_column(default=False)
    # the provider's message id; unique per tenant and channel, which makes ingest idempotent
    external_id: Mapped[str | None] = mapped_column(String(300))
    # sha256 of the inbound payload stored under the external id: the same id with another
    # payload is a conflict, not a duplicate
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[DeliveryStatus] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    # how the channel addressed it, when it says more than the customer and the thread
    # (e-mail: {"to": [...], "subject": ..., "references": [...]})
    headers: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # never loaded (lazy='raise'): it only tells the unit of work to insert parents first
    interaction: Mapped[Interaction] = relationship(lazy="raise")
