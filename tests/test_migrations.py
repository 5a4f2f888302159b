"""The migrations build exactly the schema the models describe, on every backend."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from omniline.kit.db import make_engine
from omniline.models import Base, outside_models


def _diff(connection: Connection) -> list[Any]:
    opts = {
        "compare_type": True,
        "include_name": lambda name, kind, _: not (kind == "table" and outside_models(name)),
    }
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_equals_models(db_url: str) -> None:
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == []
