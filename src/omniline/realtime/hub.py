"""Delivers committed events to the WebSocket clients of this process, in order, without gaps."""

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.realtime import repository
from omniline.realtime.bus import EventView

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000
LOAD_LIMIT = 10_000


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
        """Events of a tenant with after < seq <= upto, from the database (one page)."""
        async with self._sessions() as session:
            rows = await repository.events_after(
                session, tenant_id, after, upto=upto, limit=LOAD_LIMIT
            )
            return [EventView.of(row) for row in rows]

    async def head(self, tenant_id: uuid.UUID) -> int:
        """The newest committed event id of a tenant."""
        async with self._sessions() as session:
            return await repository.head_seq(session, tenant_id)


class Overflowed(Exception):
    """The client fell too far behind; it must reconnect and resume from its last event."""


class Stream:
    """A subscription read from a known event id on: in order, no gap, no duplicate.

    Subscribe before reading the starting point (snapshot or stored events), so that every
    event committed after it reaches the queue; events the queue holds twice, or that
    another process published out of order, are skipped or filled in from the database.
    """

    def __init__(self, hub: Hub, tenant_id: uuid.UUID, sub: Subscription, last: int) -> None:
        self._hub = hub
        self._sub = sub
        self.tenant_id = tenant_id
        self.last = last

    async def catch_up(self) -> list[EventView]:
        """The next page of stored events after the last one delivered; empty once caught up."""
        page = await self._hub.load(self.tenant_id, self.last)
        if page:
            self.last = page[-1].seq
        return page

    async def next(self, idle_seconds: float) -> list[EventView] | None:
        """The next events in order; None when nothing came for idle_seconds."""
        try:
            first = await asyncio.wait_for(self._sub.queue.get(), idle_seconds)
        except TimeoutError:
            return None
        items = [first]
        with contextlib.suppress(asyncio.QueueEmpty):
            while len(items) < LOAD_LIMIT:
                items.append(self._sub.queue.get_nowait())
        if self._sub.overflowed or any(e is None for e in items):
            raise Overflowed(f"more than {QUEUE_LIMIT} events waited for this client")
        return await self._in_order([e for e in items if e is not None])

    async def _in_order(self, items: list[EventView]) -> list[EventView]:
        out: list[EventView] = []
        for event in items:
            if event.tenant_id != self.tenant_id or event.seq <= self.last:
                continue  # delivered already (read from the database, or sent twice)
            if event.seq > self.last + 1:
                out.extend(await self._fill(event.seq - 1))
            out.append(event)
            self.last = event.seq
        return out

    async def _fill(self, upto: int) -> list[EventView]:
        out: list[EventView] = []
        while self.last < upto:
            page = await self._hub.load(self.tenant_id, self.last, upto)
            if not page:
                log.warning("realtime: events %s..%s not found", self.last + 1, upto)
                break
            out.extend(page)
            self.last = page[-1].seq
        return out
