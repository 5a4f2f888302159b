"""What the audit endpoints answer."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    """One entry of a tenant's audit chain; `hash` covers the entry and `prev_hash`."""

    seq: int
    at: datetime
    actor_type: str
    actor_id: str | None
    ip: str | None
    action: str
    object_type: str
    object_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str
