"""Check, store and find files; the bytes live at <data dir>/files/<tenant id>/<file id>.

A file's type is what its first bytes say, not what the sender claims: only a few harmless
kinds are taken, and they are served back as downloads (`attachment`, `nosniff`), so that a
file can never run as a page of ours.
"""

import asyncio
import hashlib
import os
import re
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import DomainError, NotFound, PayloadTooLarge
from omniline.kit.ids import new_id
from omniline.models import File

MAX_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = ("image/png", "image/jpeg", "application/pdf", "text/plain")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|;]+")


class FileTooLarge(PayloadTooLarge):
    code = "file_too_large"


class UnsupportedFileType(DomainError):
    status_code = 415
    code = "unsupported_file_type"


def too_large() -> FileTooLarge:
    """The refusal of a file over the limit."""
    return FileTooLarge(
        f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", max_bytes=MAX_BYTES
    )


def sniff(data: bytes) -> str | None:
    """The allowed type the bytes are, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def check_file(data: bytes) -> str:
    """The file's type if it may be sent; 413 or 415 with a message otherwise."""
    if len(data) > MAX_BYTES:
        raise too_large()
    if not data:
        raise UnsupportedFileType("the file is empty")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedFileType(
            "only PNG and JPEG images, PDF documents and plain text files can be sent",
            allowed=list(ALLOWED_TYPES),
        )
    return kind


def safe_name(name: str) -> str:
    """A file name fit for a download header: no folders, quotes or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" ._")
    return cleaned[:200] or "file"


def file_path(data_dir: Path, row: File) -> Path:
    """Where a file's bytes are."""
    return data_dir / "files" / str(row.tenant_id) / str(row.id)


async def store_file(
    work: Work,
    data_dir: Path,
    tenant_id: uuid.UUID,
    *,
    name: str,
    data: bytes,
    interaction_id: uuid.UUID | None,
) -> File:
    """Check and keep a file; the caller commits the row (the bytes are written at once)."""
    kind = check_file(data)
    row = File(
        id=new_id(),
        tenant_id=tenant_id,
        interaction_id=interaction_id,
        name=safe_name(name),
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=utcnow(),
    )
    await asyncio.to_thread(_write, file_path(data_dir, row), data)
    work.session.add(row)
    return row


def attachment(row: File, tenant_slug: str) -> dict[str, object]:
    """How a message names a file; `url` is where staff download it."""
    return {
        "file_id": str(row.id),
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "url": f"/api/v1/tenants/{tenant_slug}/files/{row.id}",
    }


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)


async def get_file(session: AsyncSession, tenant_id: uuid.UUID, file_id: uuid.UUID) -> File | None:
    """A file of the tenant, or None."""
    row = await session.get(File, file_id)
    return row if row is not None and row.tenant_id == tenant_id else None


async def get_file_or_raise(
    session: AsyncSession, tenant_id: uuid.UUID, file_id: uuid.UUID
) -> File:
    """A file of the tenant, or 404."""
    row = await get_file(session, tenant_id, file_id)
    if row is None:
        raise NotFound("file not found")
    return row
