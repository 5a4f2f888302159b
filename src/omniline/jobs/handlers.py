"""The job kinds of an installation and their handlers (`domain.verb`)."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.callbacks.tasks import due_handler as callback_due_handler
from omniline.channels.registry import ChannelRegistry
from omniline.channels.tasks import send_message_handler
from omniline.jobs.worker import Handler
from omniline.journal.work import Work
from omniline.knowledge.tasks import reindex_handler
from omniline.portal.codes import JOB as STATUS_CODE_JOB
from omniline.portal.codes import send_code_handler


def job_handlers(
    sessions: async_sessionmaker[AsyncSession],
    new_work: Callable[[], Work],
    channels: ChannelRegistry,
    secret: str,
) -> dict[str, Handler]:
    """Every job kind this installation runs (`secret`: the installation's secret key)."""
    return {
        "messages.send": send_message_handler(sessions, new_work, channels),
        "callbacks.due": callback_due_handler(new_work),
        STATUS_CODE_JOB: send_code_handler(sessions, channels, secret),
        "knowledge.reindex": reindex_handler(new_work),
    }
