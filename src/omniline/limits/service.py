"""Count a client's uses of a limited action; refuse with 429 past the limit.

A client is a keyed hash of its address (`client_key`), so the table never holds addresses.
Two shapes: a fixed `Limit` (at most N uses per window, for public endpoints) and a `Backoff`
(a few free failures, then each further try waits twice as long as the one before, for
logins). Buckets without a tenant (`tenant_id=None`) are installation-wide.
"""

import hashlib
import hmac
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select

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


@dataclass(frozen=True)
class Backoff:
    """`free` failures of a client within `window` cost nothing; after them, a try is refused
    until `first`, then twice that, ... up to `longest`, has passed since the latest failure."""

    bucket: str
    free: int
    window: timedelta
    first: timedelta
    longest: timedelta
    message: str

    def wait(self, failures: int) -> timedelta:
        """How long a client with this many failures in the window waits after the latest."""
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free, 32)  # bounded: 2**32 seconds is already forever
        longer: timedelta = self.first * (1 << doublings)
        return min(longer, self.longest)


def client_key(secret: str, address: str | None) -> str:
    """A keyed hash of a client's address."""
    raw = (address or "unknown").encode()
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()[:32]


def _of(tenant_id: uuid.UUID | None, bucket: str, client: str) -> ColumnElement[bool]:
    owner = RateHit.tenant_id.is_(None) if tenant_id is None else RateHit.tenant_id == tenant_id
    return owner & (RateHit.bucket == bucket) & (RateHit.client == client)


async def hit(work: Work, tenant: Tenant, limit: Limit, client: str) -> None:
    """Count one use, or raise 429 when the client has used up the limit (the caller
    commits; a refused use is not counted)."""
    now = utcnow()
    used = await work.session.scalar(
        select(func.count())
        .select_from(RateHit)
        .where(_of(tenant.id, limit.bucket, client), RateHit.created_at >= now - limit.window)
    )
    if int(used or 0) >= limit.count:
        raise TooManyRequests(limit.message, retry_after=int(limit.window.total_seconds()))
    record(work, tenant.id, limit.bucket, client)


async def check_backoff(
    work: Work, tenant_id: uuid.UUID | None, policy: Backoff, client: str
) -> None:
    """Raise 429 (with the seconds to wait) while the client must wait after its failures."""
    now = utcnow()
    failures, latest = (
        await work.session.execute(
            select(func.count(), func.max(RateHit.created_at)).where(
                _of(tenant_id, policy.bucket, client), RateHit.created_at >= now - policy.window
            )
        )
    ).one()
    if latest is None:
        return
    until = _aware(latest) + policy.wait(int(failures))
    if now < until:
        seconds = math.ceil((until - now).total_seconds())
        raise TooManyRequests(f"{policy.message} (in {seconds} s)", retry_after=seconds)


def record(work: Work, tenant_id: uuid.UUID | None, bucket: str, client: str) -> None:
    """Count one use (or failure) of a bucket by a client, now."""
    work.session.add(
        RateHit(id=new_id(), tenant_id=tenant_id, bucket=bucket, client=client, created_at=utcnow())
    )


async def forget(work: Work, tenant_id: uuid.UUID | None, bucket: str, client: str) -> None:
    """Drop a client's counted uses of a bucket (a login that succeeded clears its failures)."""
    await work.session.execute(delete(RateHit).where(_of(tenant_id, bucket, client)))


def _aware(moment: datetime) -> datetime:
    # max() over a column comes back without the column type's conversion on some drivers
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
