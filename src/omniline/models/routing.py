"""Routing: queues, routing profiles, the agents' routing state, and the per-tenant lock."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class QueueAction(StrEnum):
    """What a queue does with a contact it cannot take now (closed, full, waited too long)."""

    WAIT = "wait"  # keep it waiting (written channels: it is answered when the queue opens)
    TRANSFER = "transfer"  # move it to another queue
    CALLBACK = "callback"  # offer the customer a callback; the contact keeps its place
    REJECT = "reject"  # end it, telling the channel why


class AgentState(StrEnum):
    """What an agent chose (or was put in); `on_contact` and `wrap_up` are derived from work."""

    AVAILABLE = "available"
    BREAK = "break"
    OFFLINE = "offline"
    NOT_RESPONDING = "not_responding"  # let an offer time out; routing waits until they return
    AWAY = "away"  # was available, then their last desk closed or fell silent (set by routing)


class Queue(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    channels: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # contact-reason codes it serves: a contact whose case has one of them, or a child of
    # one, waits here rather than in the first queue of its channel
    reasons: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # added to each contact's priority: contacts of a higher-priority queue are served first
    priority: Mapped[int] = mapped_column(Integer, default=0)
    policy: Mapped[str] = mapped_column(String(32), default="longest_idle")
    # real-time channels: `sl_percent` % answered within `sl_seconds`
    sl_percent: Mapped[int] = mapped_column(Integer, default=80)
    sl_seconds: Mapped[int] = mapped_column(Integer, default=20)
    # written channels: first and next response within so many seconds of open time
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    next_response_seconds: Mapped[int | None] = mapped_column(Integer)
    # escalate when this share (%) of a response target has passed
    escalate_at_percent: Mapped[int] = mapped_column(Integer, default=80)
    escalation_boost: Mapped[int] = mapped_column(Integer, default=10)
    # business hours; null means the tenant's calendar
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    closed_action: Mapped[QueueAction] = mapped_column(String(16), default=QueueAction.WAIT)
    closed_queue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("queues.id"))
    max_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    max_size: Mapped[int | None] = mapped_column(Integer)
    overflow_action: Mapped[QueueAction] = mapped_column(String(16), default=QueueAction.WAIT)
    overflow_queue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("queues.id"))
    # requirements that relax as a contact waits: [{"after": 0, "skill": "x", "min_level": 4}]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    offer_timeout_seconds: Mapped[int] = mapped_column(Integer, default=20)
    wrap_up_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # the agent who last served the customer is preferred if that was this recently (0: off)
    preferred_agent_hours: Mapped[int] = mapped_column(Integer, default=0)
    repeat_boost: Mapped[int] = mapped_column(Integer, default=5)  # contacted us within 24 h
    vip_boost: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoutingProfile(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "routing_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    # [{"queue_id": "...", "priority": 1, "delay": 0}]
    queues: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    capacity: Mapped[dict[str, int]] = mapped_column(JSONDoc, default=dict)
    # channel -> channels not offered while one of it is handled, e.g. {"voice": ["chat"]}
    blocks: Mapped[dict[str, list[str]]] = mapped_column(JSONDoc, default=dict)
    auto_accept: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Agent(IdMixin, CreatedMixin, TenantMixin, Base):
    """A member of staff as routing sees them in one tenant."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    profile_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("routing_profiles.id"))
    skills: Mapped[dict[str, int]] = mapped_column(JSONDoc, default=dict)
    state: Mapped[AgentState] = mapped_column(String(16), default=AgentState.OFFLINE)
    reason: Mapped[str | None] = mapped_column(String(64))
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    # since when the agent has had nothing offered: "longest idle" routing ranks by it
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime)


class Desk(IdMixin, TenantMixin, Base):
    """An agent's desk connected to one server process: its socket refreshes `seen_at`.

    Kept in the database, so every process sees every desk, and a desk whose process died
    is found by its silence (`seen_at` older than the tenant's desk timeout).
    """

    __tablename__ = "desks"
    __table_args__ = (Index("ix_desks_agent", "tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoutingHead(Base):
    """One row per tenant, locked by whoever changes who handles what (no double offers)."""

    __tablename__ = "routing_heads"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    passes: Mapped[int] = mapped_column(Integer, default=0)
    # when the next timed change is due (offer timeout, wrap-up end, relaxing step, SLA)
    tick_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
