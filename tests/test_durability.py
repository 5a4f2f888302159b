"""A message the server acknowledged survives the server being killed; re-posting is idempotent.

The real server runs as a subprocess; a burst of inbound messages is cut by SIGKILL, the
server is started again on the same data, and the database is compared with the answers.
"""

import asyncio
import contextlib
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from omniline.auth.permissions import DEFAULT_TOKEN_SCOPES
from omniline.auth.service import create_api_token
from omniline.config import Settings
from omniline.kit.db import normalize_url
from omniline.migrate import upgrade_async
from omniline.models import Message
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("OMNILINE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
BURST = 300
CONCURRENCY = 16
KILL_AFTER = 100  # answers (of any kind) before the SIGKILL
CUSTOMERS = 40  # so that messages also join existing customers, cases and interactions


@dataclass
class Installation:
    data_dir: Path
    database_url: str | None
    port: int = 0
    process: asyncio.subprocess.Process | None = None
    token: str = ""
    logs: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'omniline.db'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMNILINE_")}
        env.update(OMNILINE_DEV="1", OMNILINE_DATA_DIR=str(self.data_dir))
        if self.database_url:
            env["OMNILINE_DATABASE_URL"] = self.database_url
        return env

    async def start(self) -> None:
        """Start uvicorn on a free port and wait until it answers."""
        self.port = _free_port()
        log = self.data_dir / f"server-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "uvicorn", "omniline.app:create_app", "--factory"),
                *("--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"),
                env=self.env(),
                stdout=out,
                stderr=out,
            )
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
                assert self.process.returncode is None, log.read_text()
                await asyncio.sleep(0.1)
        raise AssertionError(f"the server did not start: {log.read_text()}")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=20)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _own_pg_database(url: str) -> str:
    """A database of this test beside the test database, emptied."""
    base, _, name = url.rpartition("/")
    own = f"{name}_durability"
    engine = create_async_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own})
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{own}"'))
    await engine.dispose()
    own_url = f"{base}/{own}"
    engine = create_async_engine(normalize_url(own_url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return own_url


@pytest.fixture(params=BACKENDS)
async def installation(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Installation]:
    """A migrated installation with a tenant and an API token; its server is not running."""
    database_url = await _own_pg_database(PG_URL) if request.param == "postgresql" else None
    inst = Installation(tmp_path, database_url)
    await upgrade_async(inst.db_url)
    runtime = Runtime.build(Settings(database_url=inst.db_url, data_dir=tmp_path, dev=True))
    work = runtime.work()
    tenant = await create_tenant(work, slug="durable", name="Durable")
    inst.token, _ = await create_api_token(work, tenant, "burst", DEFAULT_TOKEN_SCOPES)
    await work.commit()
    await work.session.close()
    await runtime.engine.dispose()
    try:
        yield inst
    finally:
        with contextlib.suppress(ProcessLookupError):
            await inst.stop()


def _payload(n: int) -> dict[str, object]:
    who = n % CUSTOMERS
    return {
        "channel": "webform",
        "external_id": f"burst-{n}",
        "sender": {"identities": [{"kind": "email", "value": f"c{who}@durable.example.com"}]},
        "body": f"message {n}",
    }


async def _post_all(
    inst: Installation, numbers: list[int], *, kill_after: int | None = None, tries: int = 1
) -> tuple[dict[int, httpx.Response], list[int]]:
    """POST each message from CONCURRENCY workers; the 200 answers, and the 5xx, by number.

    With `kill_after`, the server is SIGKILLed once that many requests were answered.
    A message that gets no 200 is tried up to `tries` times.
    """
    pending = list(reversed(numbers))
    acked: dict[int, httpx.Response] = {}
    failed: list[int] = []  # 5xx answers: a server error is a bug, also under load
    headers = {"Authorization": f"Bearer {inst.token}"}
    killing: asyncio.Task[None] | None = None
    answered = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal killing, answered
        while pending:
            n = pending.pop()
            for _ in range(tries):
                try:
                    response = await client.post("/api/v1/inbound", json=_payload(n))
                except httpx.TransportError:
                    continue
                answered += 1
                if response.status_code == 200:
                    acked[n] = response
                    break
                if response.status_code >= 500:
                    failed.append(n)
            if kill_after is not None and answered >= kill_after and killing is None:
                killing = asyncio.create_task(inst.kill())

    async with httpx.AsyncClient(base_url=inst.url, headers=headers, timeout=20) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    if killing is not None:
        await killing
    return acked, failed


async def _stored(inst: Installation) -> dict[str, list[uuid.UUID]]:
    """Message ids in the database, by external id."""
    engine = create_async_engine(normalize_url(inst.db_url))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Message.external_id, Message.id))).all()
        total = await conn.scalar(select(func.count()).select_from(Message))
    await engine.dispose()
    found: dict[str, list[uuid.UUID]] = {}
    for external_id, message_id in rows:
        found.setdefault(external_id, []).append(message_id)
    assert total == len(rows)
    return found


async def test_acknowledged_messages_survive_sigkill_and_reposting_stores_each_once(
    installation: Installation,
) -> None:
    inst = installation
    await inst.start()
    acked, failed = await _post_all(inst, list(range(BURST)), kill_after=KILL_AFTER)
    assert inst.process is not None
    assert inst.process.returncode == -signal.SIGKILL
    assert 0 < len(acked) < BURST, "the kill should cut the burst"

    await inst.start()
    stored = await _stored(inst)
    for n, response in acked.items():
        ids = stored.get(f"burst-{n}", [])
        assert ids == [uuid.UUID(response.json()["message_id"])], f"burst-{n}: {ids}"

    # a server error is a bug, also under load
    assert not failed, f"{len(failed)} answers were server errors (5xx), e.g. burst-{failed[0]}"

    again, failed = await _post_all(inst, list(range(BURST)), tries=5)
    assert not failed, f"{len(failed)} answers were server errors (5xx), e.g. burst-{failed[0]}"
    assert sorted(again) == list(range(BURST))
    for n, response in acked.items():
        assert again[n].json()["duplicate"] is True
        assert again[n].json()["message_id"] == response.json()["message_id"]
    stored = await _stored(inst)
    assert sorted(stored) == sorted(f"burst-{n}" for n in range(BURST))
    assert all(len(ids) == 1 for ids in stored.values())
    await inst.stop()
