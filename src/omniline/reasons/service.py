"""Manage the hierarchical contact-reason taxonomy."""

import re
import uuid

from omniline.journal.work import Work
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import ContactReason, Tenant
from omniline.reasons import repository

get_reason = repository.get_reason
get_reason_by_code = repository.get_reason_by_code
list_reasons = repository.list_reasons

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


async def get_reason_or_raise(work: Work, tenant: Tenant, reason_id: uuid.UUID) -> ContactReason:
    """A reason of the tenant, or 404."""
    row = await repository.get_reason(work.session, tenant.id, reason_id)
    if row is None:
        raise NotFound("contact reason not found")
    return row


async def reason_id_for_code(work: Work, tenant: Tenant, code: str | None) -> uuid.UUID | None:
    """The id of an active reason by code; 422 naming the code when it is unknown."""
    if code is None:
        return None
    row = await repository.get_reason_by_code(work.session, tenant.id, code)
    if row is None or not row.active:
        raise InvalidInput(unknown_reason_message(tenant, code))
    return row.id


def unknown_reason_message(tenant: Tenant, code: str) -> str:
    """What a caller is told about a reason code the tenant does not have."""
    return f"unknown contact reason '{code}': see GET /api/v1/tenants/{tenant.slug}/reasons"


async def create_reason(
    work: Work,
    tenant: Tenant,
    *,
    code: str,
    name: str,
    names: dict[str, str] | None = None,
    parent_id: uuid.UUID | None = None,
    description: str = "",
) -> ContactReason:
    """Add a reason, under a parent or at the top; `names` in other languages by code."""
    if not _CODE.match(code):
        raise InvalidInput(f"reason code '{code}' is not valid: lower-case letters, digits, . _ -")
    if await repository.get_reason_by_code(work.session, tenant.id, code):
        raise Conflict(f"a reason with code '{code}' already exists")
    if parent_id is not None:
        await _parent_or_raise(work, tenant, parent_id)
    row = ContactReason(
        id=new_id(),
        tenant_id=tenant.id,
        parent_id=parent_id,
        code=code,
        name=name,
        names=_names(names),
        description=description,
        active=True,
    )
    work.session.add(row)
    work.emit(tenant.id, "reason.created", {"reason_id": row.id, "code": code})
    work.audit(
        tenant.id, "reason.created", "contact_reason", row.id,
        {"code": code, "name": name, "names": row.names},
    )  # fmt: skip
    return row


async def update_reason(
    work: Work,
    tenant: Tenant,
    row: ContactReason,
    *,
    name: str | None = None,
    names: dict[str, str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    parent_id: uuid.UUID | None = None,
    to_top: bool = False,
) -> ContactReason:
    """Rename (`names`: all names in other languages), describe, (de)activate or move a reason
    (under a parent, or `to_top`).

    A reason cannot sit under itself or under one of its own sub-reasons.
    """
    changes: dict[str, object] = {}
    if parent_id is not None and parent_id != row.parent_id:
        await _check_no_cycle(work, tenant, row.id, parent_id)
        changes["parent_id"] = parent_id
    elif to_top and parent_id is None and row.parent_id is not None:
        changes["parent_id"] = None
    named = _names(names) if names is not None else None
    fields = (("name", name), ("names", named), ("description", description), ("active", active))
    for field, value in fields:
        if value is not None and getattr(row, field) != value:
            changes[field] = value
    if not changes:
        return row
    for field, new in changes.items():
        setattr(row, field, new)
    work.emit(tenant.id, "reason.updated", {"reason_id": row.id, **changes})
    work.audit(tenant.id, "reason.updated", "contact_reason", row.id, changes)
    return row


def _names(names: dict[str, str] | None) -> dict[str, str]:
    """Names by language code, trimmed; an empty name is no name."""
    made = {code.strip(): name.strip() for code, name in (names or {}).items()}
    return {code: name for code, name in sorted(made.items()) if code and name}


async def _parent_or_raise(work: Work, tenant: Tenant, parent_id: uuid.UUID) -> ContactReason:
    parent = await repository.get_reason(work.session, tenant.id, parent_id)
    if parent is None:
        raise InvalidInput(f"parent reason {parent_id} does not exist in this tenant")
    return parent


async def _check_no_cycle(
    work: Work, tenant: Tenant, reason_id: uuid.UUID, parent_id: uuid.UUID
) -> None:
    current: uuid.UUID | None = parent_id
    while current is not None:
        if current == reason_id:
            raise InvalidInput("a reason cannot be placed under itself or its own sub-reason")
        current = (await _parent_or_raise(work, tenant, current)).parent_id


async def list_active(work: Work, tenant: Tenant) -> list[ContactReason]:
    """The tenant's active reasons (for choosing one), parents and children alike."""
    return [r for r in await repository.list_reasons(work.session, tenant.id) if r.active]
