"""The callbacks' job: `callbacks.due` turns a callback into a queued call at its time."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from omniline.callbacks import service
from omniline.journal.work import Work


def due_handler(new_work: Callable[[], Work]) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """The handler of `callbacks.due` jobs ({"tenant_id", "callback_id"})."""

    async def handle(payload: dict[str, Any]) -> None:
        work = new_work()
        try:
            await service.make_due(work, uuid.UUID(str(payload["callback_id"])))
            await work.commit()
        finally:
            await work.session.close()

    return handle
