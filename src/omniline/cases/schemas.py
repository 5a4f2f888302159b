"""What the case endpoints read and answer."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from omniline.models import CaseStatus, Direction, InteractionStatus, Priority

Subject = Annotated[str, Field(max_length=300)]


class CaseOut(BaseModel):
    """A customer's issue, across channels and days."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    customer_id: uuid.UUID
    subject: str
    status: CaseStatus
    priority: Priority
    reason_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    first_channel: str
    sla_due_at: datetime | None
    last_activity_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class CaseInteraction(BaseModel):
    """One contact of a case, in short."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    direction: Direction
    status: InteractionStatus
    subject: str
    agent_id: uuid.UUID | None
    reason_id: uuid.UUID | None
    created_at: datetime
    ended_at: datetime | None
    last_message_at: datetime | None


class CaseDetail(CaseOut):
    """A case with its latest interactions (all of them via GET interactions?case_id=...)."""

    interactions: list[CaseInteraction]
    interaction_count: int


class CaseCreate(BaseModel):
    """A case opened by hand, e.g. for a contact registered by branch or post staff."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    channel: Annotated[
        str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", examples=["branch", "post", "phone"])
    ] = "offline"
    subject: Subject = ""
    priority: Priority = Priority.NORMAL
    reason_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


class CasePatch(BaseModel):
    """Fields to change; `reason_id: null` or `owner_id: null` clears them."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus | None = None
    priority: Priority | None = None
    reason_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    subject: Subject | None = None
    # resolving or closing: end the case's contacts nobody handles yet, for this reason
    # (without it, a case with open contacts is refused with 409 naming them)
    end_open_contacts: Annotated[str, Field(min_length=1, max_length=300)] | None = None

    def cleared(self) -> list[str]:
        """The fields sent as null that can be cleared."""
        return [
            f
            for f in ("reason_id", "owner_id")
            if f in self.model_fields_set and not getattr(self, f)
        ]
