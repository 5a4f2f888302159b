"""HTTP endpoints of audit."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from omniline.api.deps import CtxDep, Cursor, Limit
from omniline.audit import service
from omniline.audit.schemas import AuditEntryOut
from omniline.auth.permissions import Permission
from omniline.kit.pagination import Page

router = APIRouter(tags=["audit"])

Text64 = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/tenants/{tenant}/audit", response_model=Page[AuditEntryOut])
async def list_audit(
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    action: Text64 = None,
    object_type: Text64 = None,
    object_id: Text64 = None,
    actor_id: Annotated[uuid.UUID | None, Query()] = None,
    newest_first: Annotated[bool, Query(description="from the latest entry back")] = False,
) -> Page[AuditEntryOut]:
    """The tenant's audit log in sequence order, filtered by action, object or actor."""
    ctx.access.require(Permission.AUDIT_READ)
    where = service.AuditFilter(action, object_type, object_id, str(actor_id) if actor_id else None)
    rows, next_cursor = await service.list_audit(
        ctx.work, ctx.tenant, where, cursor=cursor, limit=limit, newest_first=newest_first
    )
    items = [AuditEntryOut.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, next_cursor=next_cursor)
