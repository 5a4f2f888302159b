"""The job kinds of an installation and their handlers (`domain.verb`)."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.channels.registry import ChannelRegistry
from omniline.channels.tasks import send_message_handler
from omniline.jobs.worker import Handler


def job_handlers(
    sessions: async_sessionmaker[AsyncSession], channels: ChannelRegistry
) -> dict[str, Handler]:
    """Every job kind this installation runs."""
    return {
        "messages.send": send_message_handler(sessions, channels),
    }
