"""What the interaction endpoints read and answer."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from omniline.models import AuthorKind, DeliveryStatus, Direction, InteractionStatus

ChannelName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", examples=["webform"])]
StepName = Literal[
    "queued", "offered", "answered", "held", "resumed", "transferred", "ended", "wrapped_up"
]


class InteractionOut(BaseModel):
    """One contact on one channel, with the times of its lifecycle."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    direction: Direction
    status: InteractionStatus
    thread_ref: str | None
    queue: str | None
    agent_id: uuid.UUID | None
    reason_id: uuid.UUID | None
    subject: str
    created_at: datetime
    queued_at: datetime | None
    offered_at: datetime | None
    answered_at: datetime | None
    held_at: datetime | None
    transferred_at: datetime | None
    transfer_count: int
    ended_at: datetime | None
    wrapped_up_at: datetime | None
    last_message_at: datetime | None
    offer_expires_at: datetime | None = None
    wrap_up_due_at: datetime | None = None
    # routing found no queue for it: why (GET .../unrouted lists these)
    unrouted_reason: str | None = None
    # wrapped up without the reason the tenant requires: classify it (POST .../classify)
    needs_reason: bool = False


class MessageOut(BaseModel):
    """One message of an interaction; `internal` notes never reach the customer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interaction_id: uuid.UUID
    channel: str
    direction: Direction
    author_kind: AuthorKind
    author_id: uuid.UUID | None
    body: str
    content_type: str
    attachments: list[dict[str, Any]]
    internal: bool
    external_id: str | None
    delivery_status: DeliveryStatus
    delivery_error: str | None
    created_at: datetime


class EventOut(BaseModel):
    """One entry of an interaction's lifecycle log; `id` is the tenant's event sequence."""

    id: int
    kind: str
    occurred_at: datetime
    actor_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    case_id: uuid.UUID | None
    data: dict[str, Any]


class StepIn(BaseModel):
    """A lifecycle step; a wrap-up may carry the contact reason's code."""

    model_config = ConfigDict(extra="forbid")

    step: StepName
    reason_code: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    queue: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class MoveIn(BaseModel):
    """The case (of the same customer) to move the interaction to."""

    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID


class ReplyIn(BaseModel):
    """An agent's message: sent to the customer, or an internal note when `internal`."""

    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=100_000)]
    content_type: Annotated[str, Field(pattern=r"^text/(plain|html)$")] = "text/plain"
    internal: bool = False


class OutboundIn(BaseModel):
    """An outbound contact started by an agent; without case_id a case is joined or opened."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    channel: ChannelName
    case_id: uuid.UUID | None = None
    subject: Annotated[str, Field(max_length=300)] = ""


class ClassifyIn(BaseModel):
    """The reason of a contact wrapped up without one."""

    model_config = ConfigDict(extra="forbid")

    reason_code: Annotated[str, Field(min_length=1, max_length=100)]
