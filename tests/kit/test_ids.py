"""UUIDv7 ids sort by creation time."""

import time

from omniline.kit.ids import new_id


def test_ids_are_version_7_with_rfc_variant() -> None:
    value = new_id()
    assert value.version == 7
    assert value.variant == "specified in RFC 4122"


def test_ids_carry_the_creation_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after


def test_later_ids_sort_after_earlier_ones() -> None:
    first = new_id()
    time.sleep(0.002)
    assert new_id() > first
