"""Payloads that could not be handled are stored and reported, never dropped: the bytes as
received (a payload that is not UTF-8 or not JSON is exactly what someone must look at)."""

import uuid

from omniline.journal.work import Work
from omniline.kit.ids import new_id
from omniline.models import InboundFailure

# above the request body limit (settings.max_body_bytes): what arrives is kept whole
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
    """Keep a payload that failed or was refused: drop what the work had pending, store and
    commit it."""
    row = InboundFailure(
        id=new_id(),
        tenant_id=tenant_id,
        channel=channel[:64],
        error=error.replace("\x00", "\\x00")[:4000],  # text columns take no NUL on PostgreSQL
        content_type=(content_type or "")[:200],
        payload=bytes(payload[:MAX_STORED]),
    )
    await work.rollback()
    work.session.add(row)
    await work.commit()
    return row.id
