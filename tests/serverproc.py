"""Run the real server as a subprocess for tests that need a process boundary."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNILINE_")}
    # the test's own SMTP servers and webhooks listen on loopback: allowed explicitly
    env.update(OMNILINE_DEV="1", OMNILINE_DATA_DIR=str(data_dir), OMNILINE_EGRESS_ALLOW="loopback")
    if os.environ.get("OMNILINE_TEST_NOW"):  # the servers tests start share the tests' clock
        env["OMNILINE_CLOCK_START"] = os.environ["OMNILINE_TEST_NOW"]
    env.update(extra)
    if database_url:
        env["OMNILINE_DATABASE_URL"] = database_url
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run an `omniline` command; returns its output."""
    done = subprocess.run(
        [sys.executable, "-m", "omniline", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def running_server(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """Start uvicorn on a free port; yields the base URL; kills it afterwards."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "omniline.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--no-proxy-headers",  # as `omniline serve`: OMNILINE_TRUSTED_PROXIES decides
            "--log-level",
            "warning",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.kill()
        proc.wait()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy")
