"""Settings refuse default secrets outside dev mode, and mistyped egress settings."""

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from omniline.config import InsecureSettings, Settings
from omniline.kit.clock import get_clock, set_clock, utcnow


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


def test_a_moved_clock_is_for_dev_mode_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNILINE_SECRET_KEY", "x" * 40)
    with pytest.raises(InsecureSettings, match="dev mode only"):
        Settings(dev=False, clock_start="2026-12-06T22:00:00Z").check_secure()


def test_the_clock_runs_on_from_the_start_it_is_given() -> None:
    start = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # Sunday 23:00 in Warsaw
    before = get_clock()
    try:
        Settings(dev=True, clock_start=start).apply_clock()
        first = utcnow()
        Settings(dev=True, clock_start=start).apply_clock()  # again: time does not jump back
        assert start <= first <= utcnow() < start + timedelta(minutes=1)
    finally:
        set_clock(before)


def test_a_clock_start_without_a_zone_is_refused() -> None:
    with pytest.raises(InsecureSettings, match="time zone"):
        Settings(dev=True, clock_start=datetime(2026, 12, 6, 22, 0)).apply_clock()
