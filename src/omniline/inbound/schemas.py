"""What the inbound endpoints answer."""

import uuid

from pydantic import BaseModel


class InboundAccepted(BaseModel):
    """Where the message landed; `duplicate` is true when this external id was seen before."""

    message_id: uuid.UUID
    interaction_id: uuid.UUID
    case_id: uuid.UUID
    case_number: int
    customer_id: uuid.UUID
    duplicate: bool
    new_case: bool
    new_interaction: bool
