"""schemathesis drives every operation of /openapi.json against a real server: no 500s."""

import shutil
import subprocess
from pathlib import Path

import pytest

from omniline.auth.permissions import Permission
from tests.serverproc import cli, running_server, server_env


@pytest.mark.slow
def test_no_server_errors_for_generated_requests(tmp_path: Path) -> None:
    st = shutil.which("st") or str(Path(__file__).parents[1] / ".venv" / "bin" / "st")
    env = server_env(tmp_path / "data")
    cli(env, "migrate")
    cli(env, "tenants", "create", "fuzz", "Fuzz Ltd")
    scopes = [arg for p in Permission for arg in ("--scope", p.value)]
    token = cli(env, "tokens", "create", "fuzz", "fuzzer", *scopes).strip()
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.tenant" = "fuzz"\n')
    command = [
        st, "--config-file", str(config), "run", "{url}/openapi.json",
        "--checks", "not_a_server_error", "--max-examples", "12", "--seed", "7",
        "--request-timeout", "20", "-H", f"Authorization: Bearer {token}",
    ]  # fmt: skip
    with running_server(env) as url:
        args = [a.replace("{url}", url) for a in command]
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
