"""Cursors round-trip, and a damaged cursor is the caller's 422."""

import pytest

from omniline.kit.errors import InvalidInput
from omniline.kit.ids import new_id
from omniline.kit.pagination import decode_cursor, encode_cursor


def test_cursor_round_trips() -> None:
    value = new_id()
    assert decode_cursor(encode_cursor(value)) == value


def test_missing_cursor_means_first_page() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "AAAA", "!!!!"])
def test_damaged_cursor_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput, match="next_cursor"):
        decode_cursor(cursor)
