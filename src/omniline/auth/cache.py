"""A short-lived, per-process cache of API-token access, for the hot path of machine calls.

Integrations post contacts at high rates with the same token; looking the token and its
tenant up on every call costs more than storing the message. An entry lives a few seconds,
and never outlives a revocation: every revocation (a token revoked, a person deactivated,
a password changed, a member removed) bumps a revocation epoch after its commit, and an
entry is used only while the epoch it was read under is the current one. With Redis the
epoch is shared by every process (one GET per cached call, far cheaper than the lookup);
without Redis there is one server process and the epoch lives in it. Entries hold
read-only snapshots; nobody may attach them to a session.
"""

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol

from omniline.auth.secrets import token_digest
from omniline.auth.service import TenantAccess

if TYPE_CHECKING:
    pass

DEFAULT_TTL = 5.0
MAX_ENTRIES = 10_000


class RevocationEpoch(Protocol):
    """A counter every revocation bumps; cached access read under an older value is stale."""

    async def current(self) -> int:
        """The epoch now."""

    async def bump(self) -> None:
        """Mark everything cached so far as stale, in every process."""

    async def close(self) -> None:
        """Release connections."""


class LocalEpoch:
    """One process: the epoch is a number in memory."""

    def __init__(self) -> None:
        self._value = 0

    async def current(self) -> int:
        return self._value

    async def bump(self) -> None:
        self._value += 1

    async def close(self) -> None:
        return None


class RedisEpoch:
    """Several processes: the epoch is a Redis counter they all read."""

    KEY = "omniline:auth:revocations"

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)

    async def current(self) -> int:
        return int(await self._redis.get(self.KEY) or 0)

    async def bump(self) -> None:
        await self._redis.incr(self.KEY)

    async def close(self) -> None:
        await self._redis.aclose()


def epoch_for(redis_url: str | None) -> RevocationEpoch:
    """The epoch an installation shares: in Redis when it has one."""
    return RedisEpoch(redis_url) if redis_url else LocalEpoch()


class TokenAccessCache:
    def __init__(self, ttl: float = DEFAULT_TTL, epoch: RevocationEpoch | None = None) -> None:
        self.ttl = ttl
        self.epoch: RevocationEpoch = epoch or LocalEpoch()
        self._entries: OrderedDict[str, tuple[float, int, TenantAccess]] = OrderedDict()

    async def get(self, token: str) -> tuple[TenantAccess | None, int]:
        """The cached access of a token if fresh, and the epoch to store a new entry under
        (read before the caller looks the token up, so a revocation in between wins)."""
        epoch = await self.epoch.current()
        key = token_digest(token)
        entry = self._entries.get(key)
        if entry is None:
            return None, epoch
        expires, seen, access = entry
        if expires < time.monotonic() or seen != epoch:
            del self._entries[key]
            return None, epoch
        return access, epoch

    def put(self, token: str, access: TenantAccess, epoch: int) -> None:
        """Remember a token's access for the TTL, as read under `epoch`."""
        if self.ttl <= 0:
            return
        self._entries[token_digest(token)] = (time.monotonic() + self.ttl, epoch, access)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    async def revoked(self) -> None:
        """Something was revoked (and committed): drop every entry here and everywhere."""
        self._entries.clear()
        await self.epoch.bump()
