"""Payloads that could not be handled are stored and reported, never dropped."""

import uuid

from omniline.journal.work import Work
from omniline.kit.ids import new_id
from omniline.models import InboundFailure

MAX_STORED = 2_000_000


async def store_failure(
    work: Work,
    *,
    tenant_id: uuid.UUID | None,
    channel: str,
    error: str,
    content_type: str | None,
    payload: bytes,
) -> uuid.UUID:
    """Keep a payload that failed: drop what the work had pending, store and commit it."""
    row = InboundFailure(
        id=new_id(),
        tenant_id=tenant_id,
        channel=channel[:64],
        error=error[:4000],
        content_type=(content_type or "")[:200],
        payload=payload[:MAX_STORED].decode("utf-8", errors="replace"),
    )
    await work.rollback()
    work.session.add(row)
    await work.commit()
    return row.id
