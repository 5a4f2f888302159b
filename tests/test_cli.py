"""The command line: tenants, users, tokens, and a worker that stops on SIGTERM."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from omniline.cli.main import app
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


def test_people_commands_end_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator resets a password, deactivates and reactivates a person, and takes them
    out of a tenant; the tenant keeps its last admin. (In this process: typer's runner.)"""
    for name, value in server_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OMNILINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("OMNILINE_REDIS_URL", raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args))

    run("migrate")
    run("tenants", "create", "acme", "Acme")
    for email, role in (("ann@acme.test", "admin"), ("bob@acme.test", "agent")):
        made = run("users", "create", email, "X", "--password", "long enough pw",
                   "--tenant", "acme", "--role", role)  # fmt: skip
        assert made.exit_code == 0, made.output
    assert (
        "sessions" in run("users", "set-password", "bob@acme.test", "--password", "x" * 12).output
    )
    assert "deactivated" in run("users", "deactivate", "bob@acme.test").output
    assert "may log in" in run("users", "activate", "bob@acme.test").output
    assert "no longer a member" in run("users", "remove", "bob@acme.test", "acme").output
    last = run("users", "remove", "ann@acme.test", "acme")
    assert last.exit_code == 1
    assert "last admin" in last.output


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
