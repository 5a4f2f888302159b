"""The audit log: reading a tenant's chain page by page."""

import base64
import binascii

from omniline.audit import repository
from omniline.audit.repository import AuditFilter
from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput
from omniline.models import AuditEntry, Tenant

__all__ = ["AuditFilter", "decode_seq_cursor", "encode_seq_cursor", "list_audit"]


def encode_seq_cursor(seq: int) -> str:
    """An opaque cursor for the entry after (or before) sequence number `seq`."""
    return base64.urlsafe_b64encode(seq.to_bytes(8, "big")).decode().rstrip("=")


def decode_seq_cursor(cursor: str | None) -> int | None:
    """Read a cursor back; a damaged one is the caller's error."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput("cursor is not valid: use next_cursor from the previous page") from exc
    if len(raw) != 8:
        raise InvalidInput("cursor is not valid: use next_cursor from the previous page")
    return int.from_bytes(raw, "big")


async def list_audit(
    work: Work,
    tenant: Tenant,
    where: AuditFilter,
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
) -> tuple[list[AuditEntry], str | None]:
    """A page of the tenant's audit entries and the cursor of the next page (None at the end)."""
    rows = await repository.list_entries(
        work.session,
        str(tenant.id),
        where,
        after=decode_seq_cursor(cursor),
        limit=limit + 1,
        newest_first=newest_first,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_seq_cursor(rows[-1].seq) if more else None
