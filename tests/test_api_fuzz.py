"""schemathesis drives every operation of /openapi.json against a real server: no 500s, on
SQLite and (with OMNILINE_TEST_DATABASE_URL) on PostgreSQL, which refuses values SQLite stores."""

import shutil
import subprocess
from pathlib import Path

import pytest

from omniline.auth.permissions import Permission
from tests.serverproc import cli, running_server, server_env

# On PostgreSQL only the fuzzing phase, with fewer examples: the full run takes minutes, and the
# boundary values the coverage phase adds (NUL, numbers beyond 64 bits) are what
# tests/test_boundary.py already sends to every route on both databases.
RUNS = {
    "sqlite": ["--max-examples", "12"],
    "postgresql": ["--phases", "fuzzing", "--max-examples", "5", "--generation-allow-x00", "true"],
}


@pytest.mark.slow
def test_no_server_errors_for_generated_requests(tmp_path: Path, db_url: str) -> None:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    st = shutil.which("st") or str(Path(__file__).parents[1] / ".venv" / "bin" / "st")
    env = server_env(tmp_path / "data", db_url)  # each backend's database, migrated and empty
    cli(env, "migrate")
    cli(env, "tenants", "create", "fuzz", "Fuzz Ltd")
    scopes = [arg for p in Permission for arg in ("--scope", p.value)]
    token = cli(env, "tokens", "create", "fuzz", "fuzzer", *scopes).strip()
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.tenant" = "fuzz"\n')
    command = [
        st, "--config-file", str(config), "run", "{url}/openapi.json",
        "--checks", "not_a_server_error", *RUNS[backend], "--seed", "7",
        "--request-timeout", "20", "-H", f"Authorization: Bearer {token}",
    ]  # fmt: skip
    with running_server(env) as url:
        args = [a.replace("{url}", url) for a in command]
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
