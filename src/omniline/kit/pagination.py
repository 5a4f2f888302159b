"""Cursor pagination: opaque cursors over time-ordered ids."""

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from omniline.kit.errors import InvalidInput

T = TypeVar("T")


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=HasId)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: uuid.UUID) -> str:
    """Make an opaque cursor from the last id of a page."""
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    """Read a cursor back; a damaged cursor is the caller's error, not ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput("cursor is not valid: use next_cursor from the previous page") from exc


def page_of(rows: Sequence[R], limit: int, present: Callable[[R], T]) -> Page[T]:
    """A page from rows fetched with limit + 1: the extra row only says that more follow."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[T](
        items=[present(r) for r in rows],
        next_cursor=encode_cursor(rows[-1].id) if more and rows else None,
    )
