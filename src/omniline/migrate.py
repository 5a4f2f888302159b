"""Apply Alembic migrations, from code (CLI, tests, `serve`)."""

import asyncio
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config

from omniline.journal.hashing import AuditKey
from omniline.kit.db import normalize_url

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for a database URL."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", normalize_url(url))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    return config


def upgrade(url: str, revision: str = "head", *, audit_key: AuditKey | None = None) -> None:
    """Bring a database to a revision (the newest by default); revisions that sign the audit
    log (0013 seals the chains written before it had a key) need the installation's key."""
    config = alembic_config(url)
    config.attributes["audit_key"] = audit_key
    command.upgrade(config, revision)


async def upgrade_async(
    url: str, revision: str = "head", *, audit_key: AuditKey | None = None
) -> None:
    """The same, from inside an event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(partial(upgrade, url, revision, audit_key=audit_key))
