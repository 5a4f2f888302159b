"""Fan-out of committed events between server processes: in-process, or through Redis.

The events themselves live in the database (the `events` table); the bus only carries
them to listeners fast. A listener that sees a gap in a tenant's sequence fills it from the
database, so a lost bus message costs latency, never an event.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from omniline.models import Event
from omniline.realtime.signals import LocalSignals, RedisSignals, Signals

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as clients see it."""

    tenant_id: uuid.UUID
    seq: int
    kind: str
    occurred_at: datetime
    customer_id: uuid.UUID | None
    case_id: uuid.UUID | None
    interaction_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> "EventView":
        """The view of a stored event."""
        return cls(
            event.tenant_id,
            event.seq,
            event.kind,
            event.occurred_at,
            event.customer_id,
            event.case_id,
            event.interaction_id,
            event.actor_id,
            dict(event.data),
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "id": self.seq,
            "tenant_id": str(self.tenant_id),
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat(),
            "customer_id": _s(self.customer_id),
            "case_id": _s(self.case_id),
            "interaction_id": _s(self.interaction_id),
            "actor_id": _s(self.actor_id),
            "data": self.data,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "EventView":
        """Read the wire form back."""
        return cls(
            uuid.UUID(doc["tenant_id"]),
            int(doc["id"]),
            doc["kind"],
            datetime.fromisoformat(doc["occurred_at"]),
            _u(doc["customer_id"]),
            _u(doc["case_id"]),
            _u(doc["interaction_id"]),
            _u(doc["actor_id"]),
            doc["data"],
        )


def _s(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def _u(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


Listener = Callable[[Sequence[EventView]], Awaitable[None]]


class Bus(Protocol):
    """Publishes committed events to every process, and calls local listeners; carries
    ephemeral signals (typing) the same way, started and closed with it."""

    signals: Signals

    async def start(self, listener: Listener) -> None:
        """Begin delivering published events to the listener."""

    async def publish(self, events: Sequence[EventView]) -> None:
        """Send events to every process (this one included)."""

    async def close(self) -> None:
        """Stop delivering."""


class LocalBus:
    """The embedded default: one process, direct calls."""

    def __init__(self) -> None:
        self._listener: Listener | None = None
        self.signals: Signals = LocalSignals()

    async def start(self, listener: Listener) -> None:
        self._listener = listener
        await self.signals.start()

    async def publish(self, events: Sequence[EventView]) -> None:
        if self._listener is not None and events:
            await self._listener(events)

    async def close(self) -> None:
        self._listener = None
        await self.signals.close()


class RedisBus:
    """Redis pub/sub between processes; the database stays the source of truth."""

    CHANNEL = "omniline:events"

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None
        self.signals: Signals = RedisSignals(self._redis)

    async def start(self, listener: Listener) -> None:
        await self.signals.start()
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.CHANNEL)
        self._task = asyncio.create_task(self._pump(pubsub, listener))

    async def _pump(self, pubsub: Any, listener: Listener) -> None:
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    continue
                docs = json.loads(message["data"])
                await listener([EventView.from_json(d) for d in docs])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:  # a bad message must not stop the pump
                log.exception("realtime: failed to handle a bus message")

    async def publish(self, events: Sequence[EventView]) -> None:
        if events:
            payload = json.dumps([e.to_json() for e in events])
            await self._redis.publish(self.CHANNEL, payload)

    async def close(self) -> None:
        await self.signals.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()
