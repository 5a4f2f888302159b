"""What every value entering the installation must be, whatever its field: checked once at the
boundary so that both databases see the same, storable values.

- No text holds a NUL character: PostgreSQL cannot store one in text or JSON (SQLite can), so
  without this check the same request answered 500 on one database and 200 on the other.
- No number is beyond what a 64-bit column holds (both databases' BIGINT), nor NaN or Infinity.

`api.boundary.check_request` applies this to every HTTP request and WebSocket handshake
(path, query, cookie, form and JSON values; path, query and form fields the route declares as
`int`); the sockets apply it to each frame. A JSON field declared `int` may also arrive as a
string of digits, which pydantic accepts: such fields carry bounds in their models
(`le=INT64_MAX` or smaller), and tests/test_boundary.py fails on any that does not.
"""

import json
import math
import re
from collections.abc import Iterator
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
NUL_PROBLEM = "must not contain a NUL character (\\0)"
RANGE_PROBLEM = f"must be a whole number from {INT64_MIN} to {INT64_MAX}"
NUMBER_PROBLEM = f"must be a number from {INT64_MIN} to {INT64_MAX}"

Problem = tuple[tuple[str | int, ...], str]  # where (as FastAPI's loc) and what is wrong

# an escaped NUL (\u0000) not itself escaped; or a run of digits / an exponent that may be big
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_JSON_BIG = re.compile(rb"[0-9]{19}|[0-9.][eE]|NaN|Infinity")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str) -> int | None:
    """The whole number a person typed, or None if it is none or beyond 64 bits."""
    text = text.strip()
    if not (text.isascii() and _INTEGER.fullmatch(text)):
        return None
    if len(text.lstrip("+-").lstrip("0")) > 19:  # also spares int() a string of any length
        return None
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else None


def text_problem(value: str) -> str | None:
    """What is wrong with a piece of text, if anything."""
    return NUL_PROBLEM if "\x00" in value else None


def integer_problem(raw: str) -> str | None:
    """What is wrong with the text of a field declared as a whole number: only its range (the
    type check is the framework's)."""
    text = raw.strip()
    if text.isascii() and _INTEGER.fullmatch(text) and whole_number(text) is None:
        return RANGE_PROBLEM
    return None


def json_body_problems(body: bytes, where: str = "body") -> list[Problem]:
    """Problems in a JSON document's strings and numbers; a cheap scan of the bytes decides
    whether it needs parsing at all. A document that is not JSON is someone else's 422."""
    if b"\x00" not in body and not _JSON_NUL.search(body) and not _JSON_BIG.search(body):
        return []
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return []
    return list(value_problems(doc, (where,)))


def value_problems(value: Any, loc: tuple[str | int, ...]) -> Iterator[Problem]:
    """Walk a decoded JSON value: keys and strings without NUL, numbers within 64 bits."""
    if isinstance(value, str):
        if "\x00" in value:
            yield loc, NUL_PROBLEM
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield loc, RANGE_PROBLEM
    elif isinstance(value, float):
        if not math.isfinite(value) or not INT64_MIN <= value <= INT64_MAX:
            yield loc, NUMBER_PROBLEM
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield (*loc, key), f"its name {NUL_PROBLEM}"
            yield from value_problems(item, (*loc, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from value_problems(item, (*loc, n))
