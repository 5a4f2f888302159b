"""The knowledge base's job: `knowledge.reindex` analyses a tenant's published articles again."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from omniline.journal.work import Work
from omniline.knowledge import articles


def reindex_handler(new_work: Callable[[], Work]) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """The handler of `knowledge.reindex` jobs ({"tenant_id"}); safe to run twice."""

    async def handle(payload: dict[str, Any]) -> None:
        work = new_work()
        try:
            await articles.reindex(work, uuid.UUID(str(payload["tenant_id"])))
            await work.commit()
        finally:
            await work.session.close()

    return handle
