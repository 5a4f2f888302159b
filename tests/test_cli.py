"""The command line: tenants, users, tokens, and a worker that stops on SIGTERM."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.serverproc import cli, server_env


def test_tenant_user_and_token_commands(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    cli(env, "migrate")
    cli(env, "tenants", "create", "acme", "Acme", "--timezone", "Europe/Warsaw")
    assert "acme\tAcme\tEurope/Warsaw" in cli(env, "tenants", "list")
    cli(env, "users", "create", "ann@acme.test", "Ann", "--password", "long enough pw",
        "--tenant", "acme", "--role", "supervisor")  # fmt: skip
    assert cli(env, "tokens", "create", "acme", "crm").startswith("olt_")
    done = subprocess.run(
        [sys.executable, "-m", "omniline", "tenants", "create", "acme", "Again"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "already exists" in done.stderr


def test_serve_refuses_default_secret_outside_dev(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    env.pop("OMNILINE_DEV")
    done = subprocess.run(
        [sys.executable, "-m", "omniline", "serve"], env=env, capture_output=True, text=True,
        check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "OMNILINE_SECRET_KEY" in done.stderr


def test_worker_stops_on_sigterm(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    cli(env, "migrate")
    proc = subprocess.Popen(
        [sys.executable, "-m", "omniline", "worker"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    with proc.stdout:
        assert "worker running" in proc.stdout.readline()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    assert time.monotonic() - started < 15
