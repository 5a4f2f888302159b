"""Runs routing passes in this process: soon after a change, coalesced per tenant.

A commit whose events may change who can handle what (a new contact, an agent available,
a contact ended, an offer declined) pokes the router. Pokes for a tenant whose pass is
already running are folded into one more pass after it. Timed changes (offer timeouts,
wrap-up ends, relaxing requirements, SLA escalation) arrive as `routing.tick` jobs, so they
survive a restart and any process's worker can run them.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from omniline.journal.work import Work
from omniline.models import Queue, Tenant
from omniline.routing.passes import TICK_JOB, PassResult, run_pass

log = logging.getLogger(__name__)

# event kinds after which a pass may assign something or has something to set up
TRIGGERS = frozenset(
    {
        "interaction.created",
        "interaction.queued",
        "interaction.offered",
        "interaction.requeued",
        "interaction.transferred",
        "interaction.ended",
        "interaction.wrapped_up",
        "message.created",
        "agent.state_changed",
        "agent.updated",
        "agent.desk_changed",
    }
)


def triggers(kind: str) -> bool:
    return kind in TRIGGERS or kind.startswith("routing.")


class Router:
    def __init__(self, new_work: Callable[[], Work]) -> None:
        self._new_work = new_work
        self._dirty: set[uuid.UUID] = set()
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self.passes = 0
        self.failures = 0

    def poke(self, tenant_ids: Iterable[uuid.UUID]) -> None:
        """Run a pass for these tenants soon (one more after any that is running)."""
        for tenant_id in tenant_ids:
            self._dirty.add(tenant_id)
            if tenant_id not in self._tasks:
                self._tasks[tenant_id] = asyncio.create_task(self._drain(tenant_id))

    async def _drain(self, tenant_id: uuid.UUID) -> None:
        try:
            while tenant_id in self._dirty:
                self._dirty.discard(tenant_id)
                try:
                    await self.run(tenant_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.failures += 1
                    log.exception("routing: the pass for tenant %s failed", tenant_id)
        finally:
            self._tasks.pop(tenant_id, None)

    async def run(self, tenant_id: uuid.UUID) -> PassResult:
        """One pass for a tenant, committed."""
        work = self._new_work()
        try:
            tenant = await work.session.get(Tenant, tenant_id)
            if tenant is None:
                return PassResult()
            result = await run_pass(work, tenant)
            await work.commit()
            self.passes += 1
            return result
        finally:
            await work.session.close()

    async def tick(self, payload: dict[str, Any]) -> None:
        """The `routing.tick` job."""
        await self.run(uuid.UUID(str(payload["tenant_id"])))

    async def poke_all(self) -> None:
        """A pass for every tenant with queues (at start: contacts may have come in while no
        process was routing)."""
        work = self._new_work()
        try:
            ids = list(await work.session.scalars(select(Queue.tenant_id).distinct()))
        finally:
            await work.session.close()
        self.poke(ids)

    async def settle(self) -> None:
        """Wait until no pass is running or due in this process."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Stop running passes (a pass cut off rolls back; the next start runs it again)."""
        self._dirty.clear()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


__all__ = ["TICK_JOB", "Router", "triggers"]
