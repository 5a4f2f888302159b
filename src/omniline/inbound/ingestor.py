"""Group commit for inbound messages.

Every channel hands its inbound messages to one ingestor per process. It stores them in
batches: one transaction, one journal lock and one commit for many messages, and each
request is answered only after the commit that stored its message. A message that fails
(an unknown reason, an identity that does not parse) must not sink its neighbours: the
batch is then rolled back and its messages are stored one by one, each with its own answer.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from omniline.channels.base import InboundMessage
from omniline.inbound import service
from omniline.inbound.batch import accept_many
from omniline.inbound.service import Accepted
from omniline.journal.actor import Actor
from omniline.journal.work import Work
from omniline.kit.errors import DomainError, NotFound
from omniline.tenants.service import get_tenant

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Item:
    tenant_id: uuid.UUID
    message: InboundMessage
    actor: Actor
    answer: asyncio.Future[Accepted]


class Ingestor:
    """Stores inbound messages in batches and answers each after its batch commits."""

    def __init__(self, new_work: Callable[[], Work], *, max_batch: int = 64) -> None:
        self._new_work = new_work
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # stored together
        self.fallbacks = 0  # batches that failed and were stored one by one

    async def submit(self, tenant_id: uuid.UUID, message: InboundMessage, actor: Actor) -> Accepted:
        """Store one message; returns where it landed once it is committed."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        answer: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Item(tenant_id, message, actor, answer))
        return await answer

    async def stop(self) -> None:
        """Store what is queued, then stop."""
        if self._task is None or self._task.done():
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Item] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= self._max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._store_guarded(batch)

    async def _store_guarded(self, batch: list[_Item]) -> None:
        try:
            await self._store_batch(batch)
        except Exception as exc:  # never leave a request waiting
            log.exception("inbound: a batch of %d failed", len(batch))
            for item in batch:
                _answer(item, None, exc)

    async def _store_batch(self, batch: list[_Item]) -> None:
        if await self._try_together(batch):
            self.batches += 1
            return
        self.fallbacks += 1
        for item in batch:
            await self._store_one(item)

    async def _try_together(self, batch: list[_Item]) -> bool:
        """Store the whole batch in one transaction; False (nothing stored) if any failed."""
        by_tenant: dict[uuid.UUID, list[_Item]] = {}
        for item in batch:
            by_tenant.setdefault(item.tenant_id, []).append(item)
        work = self._new_work()
        try:
            landed: list[tuple[_Item, Accepted]] = []
            for tenant_id, items in by_tenant.items():
                tenant = await get_tenant(work.session, tenant_id)
                if tenant is None:
                    raise NotFound("tenant not found")
                messages = [i.message for i in items]
                stored = await accept_many(work, tenant, messages, [i.actor for i in items])
                landed.extend(zip(items, stored, strict=True))
            await work.commit()
        except Exception:
            log.debug("inbound: batch of %d falls back to one by one", len(batch), exc_info=True)
            await work.rollback()
            return False
        finally:
            await work.session.close()
        for item, accepted in landed:
            _answer(item, accepted, None)
        return True

    async def _store_one(self, item: _Item) -> None:
        work = self._new_work()
        try:
            accepted = await _accept(work, item)
            await work.commit()
        except IntegrityError as exc:
            # another process stored the same external id first (PostgreSQL)
            await work.rollback()
            try:
                earlier = await _earlier_landing(work, item)
            except DomainError as conflict:  # the id was used for another payload
                _answer(item, None, conflict)
                return
            _answer(item, earlier, None if earlier else exc)
            return
        except Exception as exc:
            await work.rollback()
            _answer(item, None, exc)
            return
        finally:
            await work.session.close()
        _answer(item, accepted, None)


def _answer(item: _Item, accepted: Accepted | None, error: BaseException | None) -> None:
    if item.answer.done():
        return
    if accepted is not None:
        item.answer.set_result(accepted)
    else:
        item.answer.set_exception(error or RuntimeError("message not stored"))


async def _earlier_landing(work: Work, item: _Item) -> Accepted | None:
    tenant = await get_tenant(work.session, item.tenant_id)
    return None if tenant is None else await service.find_duplicate(work, tenant, item.message)


async def _accept(work: Work, item: _Item) -> Accepted:
    tenant = await get_tenant(work.session, item.tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    work.actor = item.actor
    return await service.accept(work, tenant, item.message)
