"""A stored file as an HTTP download that a browser will never render as a page."""

from pathlib import Path

from starlette.responses import FileResponse

from omniline.files.service import file_path
from omniline.kit.errors import NotFound
from omniline.models import File


def download(data_dir: Path, row: File) -> FileResponse:
    """The file as an attachment, its type fixed (`nosniff`) and kept out of caches."""
    path = file_path(data_dir, row)
    if not path.is_file():
        raise NotFound("the file's content is missing from the data folder")
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.name,
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
