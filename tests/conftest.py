"""Shared fixtures: every storage test runs on SQLite, and on PostgreSQL when
OMNILINE_TEST_DATABASE_URL is set; realtime tests use Redis when OMNILINE_TEST_REDIS_URL is set."""

import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from omniline.app import create_app
from omniline.auth.permissions import Permission
from omniline.auth.service import create_api_token
from omniline.config import Settings
from omniline.kit.clock import set_clock
from omniline.kit.db import normalize_url
from omniline.migrate import upgrade
from omniline.models import Base, Tenant, User
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from omniline.users.service import add_membership, create_user


def _own_database_per_worker() -> None:
    """Under pytest-xdist every worker gets a PostgreSQL database and a Redis database of its
    own (test_gw0, test_gw1, ...), made when missing, so that workers never truncate each
    other's rows. Done at import, before test modules read the variables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("OMNILINE_TEST_DATABASE_URL")
    if not worker:
        return
    if url:
        base, _, name = url.rpartition("/")
        mine = f"{name}_{worker}"
        import asyncio

        import asyncpg

        async def create() -> None:
            conn = await asyncpg.connect(url)
            try:
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", mine):
                    await conn.execute(f'CREATE DATABASE "{mine}"')
            finally:
                await conn.close()

        asyncio.run(create())
        os.environ["OMNILINE_TEST_DATABASE_URL"] = f"{base}/{mine}"
    redis = os.environ.get("OMNILINE_TEST_REDIS_URL")
    if redis:
        base, _, number = redis.rpartition("/")
        index = int(worker.removeprefix("gw"))
        os.environ["OMNILINE_TEST_REDIS_URL"] = f"{base}/{(int(number) - index) % 16}"


_own_database_per_worker()
PG_URL = os.environ.get("OMNILINE_TEST_DATABASE_URL")
# The product's clock in every test (and every server a test starts) may be made to start at a
# chosen instant, e.g. OMNILINE_TEST_NOW=2026-12-06T22:00:00Z (Sunday 23:00 in Warsaw): the
# suite must pass at any hour and on any day, and this is how that is checked.
TEST_NOW = os.environ.get("OMNILINE_TEST_NOW")
REDIS_URL = os.environ.get("OMNILINE_TEST_REDIS_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _product_clock() -> Iterator[None]:
    """With OMNILINE_TEST_NOW, each test starts on that instant (its clock then runs on)."""
    if not TEST_NOW:
        yield
        return
    start, began = datetime.fromisoformat(TEST_NOW), time.monotonic()
    set_clock(lambda: start + timedelta(seconds=time.monotonic() - began))
    try:
        yield
    finally:
        set_clock(None)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    """argon2 with its production cost makes every login in the tests slow; the algorithm is
    the same, only the cost parameters are lowered for the test session."""
    from argon2 import PasswordHasher

    from omniline.auth import secrets

    secrets._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str | None:
    """Migrate the PostgreSQL test database once (from empty)."""
    if not PG_URL:
        return None
    import asyncio

    async def reset() -> None:
        engine = create_async_engine(normalize_url(PG_URL))
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())
    upgrade(PG_URL)
    return PG_URL


async def _truncate_pg(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_migrated: str | None
) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "omniline.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    assert pg_migrated is not None
    await _truncate_pg(pg_migrated)
    return pg_migrated


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings of a test installation (dev mode; the test runs jobs itself; the SMTP servers
    and webhooks the tests run listen on loopback, which the installation allows explicitly)."""
    return Settings(
        database_url=db_url,
        data_dir=tmp_path,
        dev=True,
        worker_in_process=False,
        redis_url=None,
        egress_allow="loopback",
    )


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime.build(settings)
    await rt.start(worker=False)
    yield rt
    await rt.stop()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class World:
    """Two tenants with one person of each built-in role and an API token each."""

    tenant: Tenant
    other: Tenant
    users: dict[str, User]
    tokens: dict[str, str]  # "admin", "agent", ... and "api", "other_admin", "other_api"

    def auth(self, who: str) -> dict[str, str]:
        """Headers that authenticate as someone."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


async def _login(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # tests authenticate explicitly, never by the last login's cookie
    token: str = response.json()["token"]
    return token


@pytest.fixture
async def world(runtime: Runtime, client: httpx.AsyncClient) -> World:
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme", default_region="GB")
    other = await create_tenant(work, slug="globex", name="Globex")
    users: dict[str, User] = {}
    for role in ("admin", "supervisor", "agent", "planner"):
        user = await create_user(
            work, email=f"{role}@acme.test", name=role.title(), password=PASSWORD
        )
        await add_membership(work, tenant, user, role)
        users[role] = user
    other_admin = await create_user(work, email="admin@globex.test", name="G", password=PASSWORD)
    await add_membership(work, other, other_admin, "admin")
    users["other_admin"] = other_admin
    api, _ = await create_api_token(work, tenant, "web form", frozenset(Permission))
    other_api, _ = await create_api_token(work, other, "globex form", frozenset(Permission))
    await work.commit()
    await work.session.close()
    tokens = {name: await _login(client, u.email) for name, u in users.items()}
    tokens.update(api=api, other_api=other_api)
    return World(tenant, other, users, tokens)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
