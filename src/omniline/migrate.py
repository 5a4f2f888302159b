"""Apply Alembic migrations, from code (CLI, tests, `serve`)."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from omniline.kit.db import normalize_url

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for a database URL."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", normalize_url(url))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring a database to a revision (the newest by default)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """The same, from inside an event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(upgrade, url, revision)
