"""Alembic environment: runs migrations over the async engine."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from omniline.kit.db import make_engine
from omniline.models import Base, outside_models

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=lambda name, kind, _: not (kind == "table" and outside_models(name)),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:  # a failed revision must not leave a connection to be collected later
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `omniline migrate`")
asyncio.run(_main())
