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
import re
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
    # when the load generator reports a summary (wrk), not each latency
    ok: int | None = None
    reported: dict[int, float] = field(default_factory=dict)  # percentile -> seconds

    @property
    def count(self) -> int:
        """Successful requests."""
        return self.ok if self.ok is not None else len(self.latencies)

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.count / self.seconds

    def percentile(self, p: int) -> float:
        """A latency percentile in milliseconds."""
        if p in self.reported:
            return self.reported[p] * 1000
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


WRK_SCRIPT = Path(__file__).with_name("wrk_inbound.lua")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    number = text.rstrip("usm")
    return float(number) * _UNITS[text[len(number) :]]


def run_wrk(name: str, url: str, args: argparse.Namespace, env: dict[str, str]) -> Result:
    """Drive one endpoint with wrk (a C load generator: far lighter than an httpx client)."""
    cmd = ["wrk", "-t2", f"-c{args.concurrency}", f"-d{args.seconds:g}s", "--latency"]
    if name.startswith("POST"):
        cmd += ["-s", str(WRK_SCRIPT)]
    out = subprocess.run([*cmd, url], env=env, capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+) requests in", out)
    if found is None:
        raise RuntimeError(f"wrk said something unexpected:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    refused = int(bad.group(1)) if bad else 0
    failed = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    reported = {int(p): _seconds(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    ok = int(found.group(1)) - refused
    return Result(name, args.seconds, errors=refused + failed, ok=ok, reported=reported)


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
        if args.client == "wrk":
            wrk_env = {**os.environ, "BENCH_TOKEN": token, "BENCH_RUN": run}
            wrk_env["BENCH_CUSTOMERS"] = str(args.customers)
            results = [
                await asyncio.to_thread(
                    run_wrk, "GET /health", f"{server.url}/health", args, wrk_env
                )
            ]
            before = await count_messages(db_url)
            results.append(
                await asyncio.to_thread(
                    run_wrk, "POST /api/v1/inbound", f"{server.url}/api/v1/inbound", args, wrk_env
                )
            )
        else:
            results = [
                await drive("GET /health", args.seconds, args.concurrency, health, server.url)
            ]
            before = await count_messages(db_url)
            results.append(
                await drive(
                    "POST /api/v1/inbound", args.seconds, args.concurrency, inbound, server.url
                )
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
            f"| {backend} | {loop} | {r.name} | {r.count} | {r.rate:.0f} | "
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
    parser.add_argument(
        "--client",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator: wrk (C, light; apt-get install wrk) or httpx (Python)",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows: list[tuple[str, str, Result]] = []
    for backend in backends:
        for loop in args.loop.split(","):
            for result in asyncio.run(run_backend(backend, loop, args)):
                rows.append((backend, loop, result))
    print(f"\n{args.seconds:g} s per endpoint, concurrency {args.concurrency}, {args.client}\n")
    print(table(rows))
    print()
    for backend, loop, r in rows:
        if r.stored is not None:
            health = next(h for b, lp, h in rows if (b, lp) == (backend, loop) and h.stored is None)
            print(f"{backend}/{loop}: inbound/health = {r.rate / health.rate:.2f}")


if __name__ == "__main__":
    main()
