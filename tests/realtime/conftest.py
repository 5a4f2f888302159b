"""A real uvicorn server on a free port, in this event loop, serving the test runtime."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection

from omniline.app import create_app
from omniline.runtime import Runtime

WAIT = 10.0


@dataclass
class Server:
    """Where the test server listens."""

    port: int

    def ws(self, tenant: str = "acme", **params: object) -> str:
        """The WebSocket address of a tenant's stream."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"ws://127.0.0.1:{self.port}/api/v1/tenants/{tenant}/ws?{query}"


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[Server]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(runtime.settings, runtime)
    # the runtime fixture starts and stops the runtime: no lifespan here
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    for _ in range(int(WAIT * 100)):  # uvicorn offers a flag, not an event
        if uv.started:
            break
        await asyncio.sleep(0.01)
    assert uv.started, "the test server did not start"
    yield Server(port)
    uv.should_exit = True
    await task
    sock.close()


async def receive(ws: ClientConnection, wait: float = WAIT) -> dict[str, Any]:
    """The next JSON message."""
    doc: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), wait))
    return doc


async def receive_events(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    """The next `count` events (pings skipped)."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        message = await receive(ws)
        if message["type"] == "ping":
            continue
        assert message["type"] == "event", message
        events.append(message["event"])
    return events


async def nothing_more(ws: ClientConnection, wait: float = 0.3) -> None:
    """Assert that no event arrives for a moment."""
    try:
        message = await receive(ws, wait)
    except TimeoutError:
        return
    assert message["type"] == "ping", f"unexpected message {message}"
