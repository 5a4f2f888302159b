"""Staff download files sent in their tenant's conversations."""

from fastapi import APIRouter, Request
from starlette.responses import FileResponse

from omniline.api.deps import CtxDep, IdPath, get_runtime
from omniline.auth.permissions import Permission
from omniline.files import service
from omniline.files.download import download

router = APIRouter(tags=["files"])


@router.get(
    "/tenants/{tenant}/files/{file_id}",
    response_class=FileResponse,
    summary="Download a file sent in a conversation (as an attachment)",
)
async def get_file(request: Request, ctx: CtxDep, file_id: IdPath) -> FileResponse:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await service.get_file_or_raise(ctx.work.session, ctx.tenant.id, file_id)
    return download(get_runtime(request).settings.data_dir, row)
