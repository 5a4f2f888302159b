"""Two server processes sharing PostgreSQL and Redis: an event made in one reaches the other."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from omniline.auth.permissions import Permission
from omniline.auth.service import create_api_token
from omniline.config import Settings
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from tests.conftest import PG_URL, REDIS_URL, _truncate_pg
from tests.realtime.conftest import nothing_more, receive, receive_events

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (PG_URL and REDIS_URL),
        reason="needs OMNILINE_TEST_DATABASE_URL (PostgreSQL) and OMNILINE_TEST_REDIS_URL",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def database(pg_migrated: str | None) -> str:
    """The migrated PostgreSQL test database, emptied."""
    assert pg_migrated is not None
    await _truncate_pg(pg_migrated)
    return pg_migrated


@pytest.fixture
async def token(database: str, tmp_path: Path) -> str:
    """An API token of a new tenant, made through the services."""
    settings = Settings(database_url=database, data_dir=tmp_path, dev=True)
    runtime = Runtime.build(settings)
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    secret, _ = await create_api_token(work, tenant, "both", frozenset(Permission))
    await work.commit()
    await work.session.close()
    await runtime.stop()
    return secret


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[list[int]]:
    """Two uvicorn processes on free ports; their ports."""
    env = {
        **os.environ,
        "OMNILINE_DATABASE_URL": database,
        "OMNILINE_REDIS_URL": str(REDIS_URL),
        "OMNILINE_DEV": "1",
        "OMNILINE_WORKER_IN_PROCESS": "0",
        "OMNILINE_DATA_DIR": str(tmp_path),
    }
    ports = [free_port(), free_port()]
    procs = []
    for n, port in enumerate(ports):
        log = (tmp_path / f"server{n}.log").open("wb")
        command = [sys.executable, "-m", "uvicorn", "omniline.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        procs.append((subprocess.Popen(command, env=env, stdout=log, stderr=log), log))
    try:
        for port in ports:
            _wait_healthy(port)
        yield ports
    finally:
        for proc, log in procs:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


def _wait_healthy(port: int) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server on port {port} did not start")


async def test_event_from_one_process_reaches_a_socket_on_the_other(
    servers: list[int], token: str
) -> None:
    a, b = servers
    url = f"ws://127.0.0.1:{a}/api/v1/tenants/acme/ws?token={token}"
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "channel": "webform",
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": "ada@example.com"}]},
        "body": "hello",
    }
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{b}", headers=headers) as http:
        async with connect(url) as ws:
            snapshot = await receive(ws)
            assert snapshot["type"] == "snapshot"
            response = await http.post("/api/v1/inbound", json={**body, "external_id": "m1"})
            assert response.status_code == 200, response.text
            stored = (await http.get("/api/v1/tenants/acme/events", params={"after": 0})).json()
            expected = [(e["id"], e["kind"]) for e in stored["events"]]
            live = await receive_events(ws, len(expected))
            assert [(e["id"], e["kind"]) for e in live] == expected
            await nothing_more(ws)
        last = live[-1]["id"]
        await http.post("/api/v1/inbound", json={**body, "external_id": "m2"})
        async with connect(f"{url}&last_event_id={last}") as ws:
            [missed] = await receive_events(ws, 1)
            assert (missed["id"], missed["kind"]) == (last + 1, "message.created")
            await http.post("/api/v1/inbound", json={**body, "external_id": "m3"})
            [live_again] = await asyncio.wait_for(receive_events(ws, 1), 10)
            assert live_again["id"] == last + 2
