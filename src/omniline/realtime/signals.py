"""Ephemeral signals (someone is typing): published to every process, never stored.

Unlike events, a signal that is lost is simply not shown: nobody resumes from it, so there
is no journal, no sequence and no catching up. In one process signals are handed over
directly; with Redis they go through a pub/sub channel of their own, like the event bus.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

QUEUE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Signal:
    """Something happening now in a conversation, such as typing."""

    tenant_id: uuid.UUID
    interaction_id: uuid.UUID
    kind: str  # "typing"
    who: str  # "visitor" or "agent"
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The wire form between processes."""
        return {
            "tenant_id": str(self.tenant_id),
            "interaction_id": str(self.interaction_id),
            "kind": self.kind,
            "who": self.who,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "Signal":
        """Read the wire form back."""
        return cls(
            uuid.UUID(doc["tenant_id"]),
            uuid.UUID(doc["interaction_id"]),
            str(doc["kind"]),
            str(doc["who"]),
            dict(doc.get("data") or {}),
        )


class Listening:
    """One listener's signals of a tenant; when it falls behind, old signals are dropped."""

    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.tenant_id = tenant_id
        self.queue: asyncio.Queue[Signal] = asyncio.Queue(QUEUE_LIMIT)

    def push(self, signal: Signal) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(signal)


class Signals(Protocol):
    """Publish signals to every process; listen to a tenant's signals in this one."""

    def listen(self, tenant_id: uuid.UUID) -> Listening:
        """Start receiving a tenant's signals."""

    def stop_listening(self, listening: Listening) -> None:
        """Stop receiving."""

    async def publish(self, signal: Signal) -> None:
        """Send a signal to the listeners of every process (this one included)."""

    async def start(self) -> None:
        """Begin delivering."""

    async def close(self) -> None:
        """Stop delivering."""


class LocalSignals:
    """One process: published signals go straight to its listeners."""

    def __init__(self) -> None:
        self._listeners: dict[uuid.UUID, set[Listening]] = defaultdict(set)

    def listen(self, tenant_id: uuid.UUID) -> Listening:
        listening = Listening(tenant_id)
        self._listeners[tenant_id].add(listening)
        return listening

    def stop_listening(self, listening: Listening) -> None:
        self._listeners[listening.tenant_id].discard(listening)
        if not self._listeners[listening.tenant_id]:
            del self._listeners[listening.tenant_id]

    def deliver(self, signal: Signal) -> None:
        """Hand a signal to this process's listeners of its tenant."""
        for listening in tuple(self._listeners.get(signal.tenant_id, ())):
            listening.push(signal)

    async def publish(self, signal: Signal) -> None:
        self.deliver(signal)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._listeners.clear()


class RedisSignals(LocalSignals):
    """Several processes: signals go through a Redis pub/sub channel to all of them."""

    CHANNEL = "omniline:signals"

    def __init__(self, redis: "Redis") -> None:
        super().__init__()
        self._redis = redis
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.CHANNEL)
        self._task = asyncio.create_task(self._pump(pubsub))

    async def _pump(self, pubsub: Any) -> None:
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    self.deliver(Signal.from_json(json.loads(message["data"])))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:  # a bad message must not stop the pump
                log.exception("realtime: failed to handle a signal")

    async def publish(self, signal: Signal) -> None:
        await self._redis.publish(self.CHANNEL, json.dumps(signal.to_json()))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await super().close()
