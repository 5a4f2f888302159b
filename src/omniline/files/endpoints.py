"""Staff download files sent in their tenant's conversations, and send files to customers."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import FileResponse

from omniline.api.deps import CtxDep, IdPath, get_runtime
from omniline.auth.permissions import Permission
from omniline.files import service
from omniline.files.download import download
from omniline.files.schemas import SentFileOut
from omniline.interactions import service as interactions

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


@router.post(
    "/tenants/{tenant}/interactions/{interaction_id}/files",
    response_model=SentFileOut,
    status_code=201,
    summary="Send a file to the customer (with an optional text) in the contact's channel",
)
async def send_file(
    request: Request,
    ctx: CtxDep,
    interaction_id: IdPath,
    file: Annotated[UploadFile, File(description="PNG, JPEG, PDF or plain text, up to 10 MB")],
    body: Annotated[str, Form(max_length=100_000)] = "",
) -> SentFileOut:
    ctx.access.require(Permission.MESSAGES_SEND)
    row = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    data = await file.read(service.MAX_BYTES + 1)
    if len(data) > service.MAX_BYTES:
        raise service.too_large()
    stored = await service.store_file(
        ctx.work,
        get_runtime(request).settings.data_dir,
        ctx.tenant.id,
        name=file.filename or "file",
        data=data,
        interaction_id=row.id,
    )
    message = interactions.reply(
        ctx.work,
        ctx.tenant,
        row,
        body=body.strip() or stored.name,
        attachments=[service.attachment(stored, ctx.tenant.slug)],
    )
    await ctx.work.commit()
    return SentFileOut(message_id=message.id, file_id=stored.id, name=stored.name)
