"""Count a client's uses of a limited action; refuse with 429 past the limit.

A client is a keyed hash of its address (`client_key`), so the table never holds addresses.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import TooManyRequests
from omniline.kit.ids import new_id
from omniline.models import RateHit, Tenant


@dataclass(frozen=True)
class Limit:
    """At most `count` uses of `bucket` per client within `window`."""

    bucket: str
    count: int
    window: timedelta
    message: str


def client_key(secret: str, address: str | None) -> str:
    """A keyed hash of a client's address."""
    raw = (address or "unknown").encode()
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()[:32]


async def hit(work: Work, tenant: Tenant, limit: Limit, client: str) -> None:
    """Count one use, or raise 429 when the client has used up the limit (the caller
    commits; a refused use is not counted)."""
    now = utcnow()
    used = await work.session.scalar(
        select(func.count())
        .select_from(RateHit)
        .where(
            RateHit.tenant_id == tenant.id,
            RateHit.bucket == limit.bucket,
            RateHit.client == client,
            RateHit.created_at >= now - limit.window,
        )
    )
    if int(used or 0) >= limit.count:
        raise TooManyRequests(limit.message, retry_after=int(limit.window.total_seconds()))
    work.session.add(
        RateHit(
            id=new_id(), tenant_id=tenant.id, bucket=limit.bucket, client=client, created_at=now
        )
    )
