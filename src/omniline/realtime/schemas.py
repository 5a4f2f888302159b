"""What the event endpoints answer."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from omniline.realtime.bus import EventView


class EventOut(BaseModel):
    """One committed event; `id` is its place in the tenant's stream."""

    id: int = Field(description="the event id: increases by one per event of the tenant")
    tenant_id: uuid.UUID
    kind: str = Field(examples=["message.created"])
    occurred_at: datetime
    customer_id: uuid.UUID | None
    case_id: uuid.UUID | None
    interaction_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: EventView) -> "EventOut":
        """The answer form of an event."""
        return cls.model_validate(event.to_json())


class EventsPage(BaseModel):
    """Events in order, and the `after` that asks for the ones that follow."""

    events: list[EventOut]
    next_after: int = Field(description="pass as ?after= to read on; equals the last event id")
