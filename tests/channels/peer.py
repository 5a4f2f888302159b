"""A real HTTP server on a free local port, standing in for a tenant's webhook receiver."""

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Peer:
    """Records every POST and answers with the queued statuses (then 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[tuple[int, bytes]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL the server listens on."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, status: int, body: bytes = b"") -> None:
        """Answer the next request with this status."""
        with self._lock:
            self.answers.append((status, body))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _next_answer(self) -> tuple[int, bytes]:
        with self._lock:
            return self.answers.pop(0) if self.answers else (200, b"")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with peer._lock:
                    peer.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                status, answer = peer._next_answer()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                if status == 200:
                    self.send_header("X-Message-Id", f"peer-{len(peer.received)}")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads `received` instead."""

        return Handler


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    """A URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


class Service:
    """A TCP service on a free local port that greets each connection with a banner line and
    counts connections: an internal service (SSH, Redis, a relay) a tenant might aim at."""

    def __init__(self, banner: bytes) -> None:
        self.banner = banner
        self.connections = 0
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._greet, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _greet(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(self.banner)
        await writer.drain()
        await reader.read(1000)  # whatever the client says first, then hang up
        writer.close()
        await writer.wait_closed()


@contextlib.asynccontextmanager
async def service(banner: bytes) -> AsyncIterator[Service]:
    """A running Service, stopped afterwards."""
    running = Service(banner)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
