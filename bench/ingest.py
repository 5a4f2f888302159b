"""Ingest benchmark: the real server over loopback HTTP, on SQLite and on PostgreSQL.

    .venv/bin/python bench/ingest.py --backend both

For each backend it migrates an empty database, creates a tenant and an API token with the
`omniline` CLI, starts uvicorn in a subprocess and drives it with httpx at a fixed concurrency:
first `GET /health` (the bare web stack), then `POST /api/v1/inbound` with unique external ids
from a pool of customers (so some come back). After the run it stops the server and counts
the messages that are really in the database. See bench/README.md for results.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from omniline.kit.db import make_engine, normalize_url
from omniline.models import Message

PYTHON = sys.executable
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/bench_ingest"
TENANT = "bench"


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of successful requests, seconds
    errors: int = 0
    stored: int | None = None  # messages in the database after the run

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        """A latency percentile in milliseconds."""
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


@dataclass
class Server:
    """A uvicorn process serving one data dir or database."""

    env: dict[str, str]
    port: int
    loop: str
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        """Run an `omniline` command against this installation and return what it printed."""
        done = subprocess.run(
            [PYTHON, "-m", "omniline", *args], env=self.env, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    async def start(self) -> None:
        cmd = [PYTHON, "-m", "uvicorn", "omniline.app:create_app", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        cmd += ["--log-level", "warning", "--loop", self.loop]
        self.process = await asyncio.create_subprocess_exec(*cmd, env=self.env)
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def inbound_body(n: int, customers: int, run: str, rng: random.Random) -> bytes:
    """A message from one of `customers` customers, with an external id used once."""
    who = rng.randrange(customers)
    doc = {
        "channel": "webform",
        "external_id": f"{run}-{n}",
        "sender": {
            "name": f"Customer {who}",
            "identities": [{"kind": "email", "value": f"c{who}@bench.example.com"}],
        },
        "subject": "Card blocked",
        "body": "My card was blocked at an ATM this morning, can you help?",
    }
    return json.dumps(doc).encode()


async def drive(
    name: str,
    seconds: float,
    concurrency: int,
    send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    base_url: str,
) -> Result:
    """Send requests from `concurrency` workers for `seconds`; record latencies and errors."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    counter = iter(range(10**9))
    result = Result(name, seconds)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    response = await send(client, next(counter))
                except httpx.HTTPError:
                    result.errors += 1
                    continue
                if response.status_code == 200:
                    result.latencies.append(time.perf_counter() - began)
                else:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def count_messages(db_url: str) -> int:
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(Message))
    await engine.dispose()
    return int(count or 0)


async def reset_pg(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def run_backend(backend: str, loop: str, args: argparse.Namespace) -> list[Result]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
    env = {**os.environ, "OMNILINE_DEV": "1", "OMNILINE_DATA_DIR": str(data_dir)}
    env.pop("OMNILINE_REDIS_URL", None)
    if backend == "postgresql":
        await reset_pg(args.pg_url)
        env["OMNILINE_DATABASE_URL"] = args.pg_url
        db_url = args.pg_url
    else:
        env.pop("OMNILINE_DATABASE_URL", None)
        db_url = f"sqlite:///{data_dir / 'omniline.db'}"
    server = Server(env, free_port(), loop)
    server.cli("migrate")
    server.cli("tenants", "create", TENANT, "Bench")
    token = server.cli("tokens", "create", TENANT, "load generator").splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rng = random.Random(7)
    run = f"r{int(time.time())}"

    async def health(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.get("/health")

    async def inbound(client: httpx.AsyncClient, n: int) -> httpx.Response:
        body = inbound_body(n, args.customers, run, rng)
        return await client.post("/api/v1/inbound", content=body, headers=headers)

    await server.start()
    try:
        await drive("warm-up", 2, args.concurrency, health, server.url)
        results = [await drive("GET /health", args.seconds, args.concurrency, health, server.url)]
        before = await count_messages(db_url)
        results.append(
            await drive("POST /api/v1/inbound", args.seconds, args.concurrency, inbound, server.url)
        )
    finally:
        await server.stop()
    results[-1].stored = await count_messages(db_url) - before
    shutil.rmtree(data_dir, ignore_errors=True)
    return results


def table(rows: list[tuple[str, str, Result]]) -> str:
    lines = [
        "| backend | loop | endpoint | requests | req/s | p50 ms | p99 ms | errors | "
        "stored msgs | stored msgs/s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, loop, r in rows:
        stored = "" if r.stored is None else str(r.stored)
        stored_rate = "" if r.stored is None else f"{r.stored / r.seconds:.0f}"
        lines.append(
            f"| {backend} | {loop} | {r.name} | {len(r.latencies)} | {r.rate:.0f} | "
            f"{r.percentile(50):.1f} | {r.percentile(99):.1f} | {r.errors} | {stored} | "
            f"{stored_rate} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--customers", type=int, default=5000, help="size of the customer pool")
    parser.add_argument(
        "--loop", default="uvloop", help="uvicorn event loops, comma-separated: uvloop,asyncio"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows: list[tuple[str, str, Result]] = []
    for backend in backends:
        for loop in args.loop.split(","):
            for result in asyncio.run(run_backend(backend, loop, args)):
                rows.append((backend, loop, result))
    print(f"\n{args.seconds:g} s per endpoint, concurrency {args.concurrency}\n")
    print(table(rows))
    print()
    for backend, loop, r in rows:
        if r.stored is not None:
            health = next(h for b, lp, h in rows if (b, lp) == (backend, loop) and h.stored is None)
            print(f"{backend}/{loop}: inbound/health = {r.rate / health.rate:.2f}")


if __name__ == "__main__":
    main()
