"""Delivers committed events to the WebSocket clients of this process, in order, without gaps."""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.models import Event
from omniline.realtime.bus import EventView

QUEUE_LIMIT = 10_000


class Subscription:
    """One client's stream: events of its tenants, in sequence order."""

    def __init__(self, tenant_ids: frozenset[uuid.UUID]) -> None:
        self.tenant_ids = tenant_ids
        self.queue: asyncio.Queue[EventView | None] = asyncio.Queue(QUEUE_LIMIT)
        self.overflowed = False

    def push(self, event: EventView) -> None:
        """Queue an event; a client too slow to keep up is cut off and must resume."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue = asyncio.Queue(1)
            self.queue.put_nowait(None)


class Hub:
    """Per process: receives events from the bus and hands them to subscriptions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._subs: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._last: dict[uuid.UUID, int] = {}
        self._lock = asyncio.Lock()

    def subscribe(self, tenant_ids: frozenset[uuid.UUID]) -> Subscription:
        """Start receiving live events of some tenants."""
        sub = Subscription(tenant_ids)
        for tenant_id in tenant_ids:
            self._subs[tenant_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop receiving."""
        for tenant_id in sub.tenant_ids:
            self._subs[tenant_id].discard(sub)

    async def dispatch(self, events: Sequence[EventView]) -> None:
        """Deliver events from the bus; fill any gap in a tenant's sequence from the database."""
        async with self._lock:
            by_tenant: dict[uuid.UUID, list[EventView]] = defaultdict(list)
            for event in events:
                by_tenant[event.tenant_id].append(event)
            for tenant_id, batch in by_tenant.items():
                await self._dispatch_tenant(tenant_id, sorted(batch, key=lambda e: e.seq))

    async def _dispatch_tenant(self, tenant_id: uuid.UUID, batch: list[EventView]) -> None:
        last = self._last.get(tenant_id)
        if last is not None and batch[0].seq > last + 1:
            batch = await self.load(tenant_id, last, batch[-1].seq)
        for event in batch:
            if last is not None and event.seq <= last:
                continue  # already delivered
            for sub in tuple(self._subs.get(tenant_id, ())):
                sub.push(event)
            last = event.seq
        if last is not None:
            self._last[tenant_id] = last

    async def load(
        self, tenant_id: uuid.UUID, after: int, upto: int | None = None
    ) -> list[EventView]:
        """Events of a tenant with after < seq <= upto, from the database."""
        query = select(Event).where(Event.tenant_id == tenant_id, Event.seq > after)
        if upto is not None:
            query = query.where(Event.seq <= upto)
        async with self._sessions() as session:
            rows = await session.scalars(query.order_by(Event.seq).limit(10_000))
            return [EventView.of(row) for row in rows]

    async def head(self, tenant_id: uuid.UUID) -> int:
        """The newest committed event id of a tenant."""
        async with self._sessions() as session:
            value = await session.scalar(
                select(func.max(Event.seq)).where(Event.tenant_id == tenant_id)
            )
            return int(value or 0)
