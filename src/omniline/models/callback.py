"""A callback: a call promised to a customer at a time, which becomes an outbound voice
contact in the same case when it is due."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class CallbackState(StrEnum):
    """What is stored; once due, what people see follows the contact (`CallbackStatus`)."""

    SCHEDULED = "scheduled"
    DUE = "due"  # the outbound contact exists: routing and the agent take it from here
    CANCELLED = "cancelled"
    FAILED = "failed"


class CallbackStatus(StrEnum):
    """A callback's status as the API shows it."""

    SCHEDULED = "scheduled"  # waiting for its time (or for its queue to open)
    QUEUED = "queued"  # the call waits in its queue for an agent
    OFFERED = "offered"  # offered to an agent
    IN_PROGRESS = "in_progress"  # an agent took it: calling, or wrapping up
    DONE = "done"  # wrapped up
    CANCELLED = "cancelled"
    FAILED = "failed"  # could not be made (see `failure`)


class Callback(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_due", "tenant_id", "state", "due_at"),
        Index("ix_callbacks_case", "tenant_id", "case_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"))
    # the contact it was offered in, and the outbound call it became when due
    source_interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("interactions.id")
    )
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("interactions.id"), index=True
    )
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("queues.id"))
    # "I will call back myself": offered to this agent first
    preferred_agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    state: Mapped[CallbackState] = mapped_column(String(16))
    failure: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
