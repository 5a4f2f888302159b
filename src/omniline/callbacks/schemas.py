"""What the callback endpoints read and answer."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from omniline.models import CallbackStatus

Phone = Annotated[str, Field(min_length=1, max_length=64, examples=["+44 20 7946 0958"])]
Note = Annotated[str, Field(max_length=2000)]


class CallbackIn(BaseModel):
    """A callback promised in a contact. Without `due_at` it is due as soon as possible; it is
    always made in the queue's open hours."""

    model_config = ConfigDict(extra="forbid")

    due_at: AwareDatetime | None = Field(
        None, description="when to call (with a time zone); leave out for as soon as possible"
    )
    window_end_at: AwareDatetime | None = Field(
        None, description="the end of the time the customer expects the call in, if any"
    )
    phone: Phone | None = Field(
        None, description="the number to call; leave out to call the customer's phone on file"
    )
    queue_id: uuid.UUID | None = Field(
        None, description="leave out for the voice queue serving the case's reason"
    )
    preferred_agent_id: uuid.UUID | None = Field(
        None,
        description="'I will call back myself': offered to this agent first (agents may only "
        "name themselves)",
    )
    note: Note = ""


class CallbackPatch(BaseModel):
    """A new time, number or note; `due_at: null` means as soon as possible."""

    model_config = ConfigDict(extra="forbid")

    due_at: AwareDatetime | None = None
    window_end_at: AwareDatetime | None = None
    phone: Phone | None = None
    note: Note | None = None


class CancelIn(BaseModel):
    """Why the callback is not needed any more."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=500)] = ""


class CallbackOut(BaseModel):
    """A callback; `phone` is masked unless asked for with `reveal=true` by a caller who may
    read phone numbers (the read is audited)."""

    id: uuid.UUID
    status: CallbackStatus
    case_id: uuid.UUID
    customer_id: uuid.UUID
    source_interaction_id: uuid.UUID | None
    interaction_id: uuid.UUID | None = Field(description="the outbound call, once due")
    phone: str
    phone_masked: bool
    due_at: datetime
    window_end_at: datetime | None
    queue_id: uuid.UUID
    preferred_agent_id: uuid.UUID | None
    note: str
    created_by_id: uuid.UUID | None
    failure: str | None
    created_at: datetime
    updated_at: datetime | None
    cancelled_at: datetime | None
