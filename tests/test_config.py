"""Settings refuse default secrets outside dev mode, and mistyped egress settings."""

import ipaddress

import pytest
from pydantic import ValidationError

from omniline.config import InsecureSettings, Settings


def test_default_secret_is_refused_outside_dev() -> None:
    with pytest.raises(InsecureSettings, match="OMNILINE_SECRET_KEY"):
        Settings(dev=False).check_secure()


def test_dev_mode_accepts_default_secret() -> None:
    Settings(dev=True).check_secure()


def test_real_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNILINE_SECRET_KEY", "x" * 40)
    Settings(dev=False).check_secure()


def test_sqlite_in_data_dir_by_default(tmp_path: object) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.db_url.startswith("sqlite+aiosqlite:///")
    assert settings.db_url.endswith("omniline.db")


def test_connections_go_to_public_addresses_only_unless_the_setting_allows_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loopback = ipaddress.ip_address("127.0.0.1")
    assert Settings().egress.refusal(loopback) is not None
    monkeypatch.setenv("OMNILINE_EGRESS_ALLOW", "loopback, 10.20.0.0/16")
    allowing = Settings().egress
    assert allowing.refusal(loopback) is None
    assert allowing.refusal(ipaddress.ip_address("10.20.1.1")) is None
    monkeypatch.setenv("OMNILINE_EGRESS_ALLOW", "everything")
    with pytest.raises(ValidationError, match="'everything' is neither a range name"):
        Settings()
