"""Settings refuse default secrets outside dev mode."""

import pytest

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
