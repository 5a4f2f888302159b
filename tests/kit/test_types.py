"""Datetimes are stored as aware UTC on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from omniline.kit.types import UTCDateTime


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_other_zones_are_converted_to_utc() -> None:
    warsaw = timezone(timedelta(hours=1))
    value = UTCDateTime().process_bind_param(
        datetime(2026, 1, 1, 10, tzinfo=warsaw), sqlite.dialect()
    )
    assert value == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert value is not None
    assert value.utcoffset() == timedelta(0)


def test_values_read_back_naive_get_utc() -> None:
    read = UTCDateTime().process_result_value(datetime(2026, 1, 1, 9), sqlite.dialect())
    assert read == datetime(2026, 1, 1, 9, tzinfo=UTC)
