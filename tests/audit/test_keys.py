"""Where the audit key comes from: never the database."""

from pathlib import Path

import pytest

from omniline.audit.keys import KEY_FILE, load_audit_key
from omniline.config import InsecureSettings, Settings

SECRET = "a production secret that is long enough to count"


def test_a_dedicated_audit_key_wins(tmp_path: Path) -> None:
    key = "k" * 40
    assert load_audit_key(Settings(audit_key=key, secret_key=SECRET, data_dir=tmp_path)).secret == (
        key.encode()
    )


def test_without_one_the_key_is_derived_from_the_secret_and_is_not_the_secret(
    tmp_path: Path,
) -> None:
    first = load_audit_key(Settings(secret_key=SECRET, data_dir=tmp_path))
    again = load_audit_key(Settings(secret_key=SECRET, data_dir=tmp_path / "elsewhere"))
    other = load_audit_key(Settings(secret_key=SECRET + "!", data_dir=tmp_path))
    assert first == again != other
    assert SECRET.encode() not in first.secret
    assert not (tmp_path / KEY_FILE).exists()


def test_with_the_public_default_secret_a_key_is_generated_in_the_data_folder(
    tmp_path: Path,
) -> None:
    first = load_audit_key(Settings(dev=True, data_dir=tmp_path))
    assert load_audit_key(Settings(dev=True, data_dir=tmp_path)) == first
    assert load_audit_key(Settings(dev=True, data_dir=tmp_path / "other")) != first
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([KEY_FILE, "other"])


def test_a_short_audit_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettings, match="OMNILINE_AUDIT_KEY is too short"):
        Settings(audit_key="short", secret_key=SECRET, data_dir=tmp_path).check_secure()


def test_the_key_id_names_the_key_without_revealing_it(tmp_path: Path) -> None:
    key = load_audit_key(Settings(audit_key="k" * 40, data_dir=tmp_path))
    assert len(key.id) == 16
    assert "k" * 40 not in repr(key)
