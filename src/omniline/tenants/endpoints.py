"""Tenants, their members and roles."""

from typing import Any

from fastapi import APIRouter, Request

from omniline.api.deps import Ctx, CtxDep, IdPath, PrincipalDep, WorkDep, get_runtime
from omniline.auth.permissions import Permission
from omniline.callbacks import service as callbacks
from omniline.kit.errors import Forbidden
from omniline.models import Invitation, Role, Tenant
from omniline.tenants import service
from omniline.tenants.schemas import (
    InvitationCreated,
    InvitationOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    RoleIn,
    RoleOut,
    TenantIn,
    TenantOut,
    TenantPatch,
)
from omniline.users import service as users

router = APIRouter(tags=["tenants"])


def _out(tenant: Tenant, warnings: list[str] | None = None) -> TenantOut:
    made = TenantOut.model_validate(tenant, from_attributes=True)
    made.warnings = warnings or []
    return made


async def _settings_out(ctx: Ctx) -> TenantOut:
    """The tenant with what its administrators should fix."""
    return _out(ctx.tenant, await callbacks.setup_warnings(ctx.work, ctx.tenant))


async def _changes(ctx: Ctx, body: TenantPatch) -> dict[str, Any]:
    """The fields to change; callback_queue_id: null clears it, a queue must take calls."""
    changes = body.model_dump(exclude_none=True)
    if "callback_queue_id" in body.model_fields_set:
        queue_id = body.callback_queue_id
        if queue_id is not None:
            await callbacks.check_callback_queue(ctx.work, ctx.tenant, queue_id)
        changes["callback_queue_id"] = str(queue_id) if queue_id else None
    return changes


def _role(role: Role) -> RoleOut:
    return RoleOut(id=role.id, name=role.name, builtin=role.builtin, permissions=role.permissions)


@router.post("/tenants", response_model=TenantOut, status_code=201)
async def create_tenant(body: TenantIn, work: WorkDep, who: PrincipalDep) -> TenantOut:
    """Create a tenant (installation operators only)."""
    if not who.is_superuser:
        raise Forbidden("only installation operators (superusers) create tenants")
    tenant = await service.create_tenant(work, **body.model_dump())
    await work.commit()
    return _out(tenant)


@router.get("/tenants/{tenant}", response_model=TenantOut)
async def get_tenant(ctx: CtxDep) -> TenantOut:
    """A tenant the caller works on, with warnings about its setup."""
    return await _settings_out(ctx)


@router.patch("/tenants/{tenant}", response_model=TenantOut)
async def patch_tenant(body: TenantPatch, ctx: CtxDep) -> TenantOut:
    """Change a tenant's settings."""
    ctx.access.require(Permission.TENANT_MANAGE)
    await service.update_tenant(ctx.work, ctx.tenant, await _changes(ctx, body))
    await ctx.work.commit()
    return await _settings_out(ctx)


@router.get("/tenants/{tenant}/members", response_model=list[MemberOut])
async def list_members(ctx: CtxDep) -> list[MemberOut]:
    """The people of the tenant and their roles."""
    ctx.access.require(Permission.USERS_MANAGE)
    rows = await users.list_members(ctx.work, ctx.tenant)
    return [MemberOut(user_id=u.id, email=u.email, name=u.name, role=r.name) for u, r in rows]


@router.post("/tenants/{tenant}/members", response_model=InvitationCreated, status_code=201)
async def add_member(body: MemberIn, ctx: CtxDep) -> InvitationCreated:
    """Invite a person by e-mail with a role they join with once they accept.

    The answer is the same whether the address has an account or not (an account is made
    for a new address, with the given first password; an existing person keeps theirs)."""
    wanted = users.Invite(body.email, body.role, body.name, body.password)
    invitation, code = await users.invite(ctx.work, ctx.access, wanted)
    await ctx.work.commit()
    return InvitationCreated(**_invitation(invitation, body.role).model_dump(), code=code)


@router.patch("/tenants/{tenant}/members/{user_id}", response_model=MemberOut)
async def change_member(
    user_id: IdPath, body: MemberPatch, ctx: CtxDep, request: Request
) -> MemberOut:
    """Give a member another role (only roles whose rights the caller holds)."""
    user, role = await users.change_role(ctx.work, ctx.access, user_id, body.role)
    await ctx.work.commit()
    await get_runtime(request).token_cache.revoked()  # open event streams check again
    return MemberOut(user_id=user.id, email=user.email, name=user.name, role=role.name)


@router.delete("/tenants/{tenant}/members/{user_id}", status_code=204)
async def remove_member(user_id: IdPath, ctx: CtxDep, request: Request) -> None:
    """Take a person out of the tenant; the API tokens they made here are revoked."""
    await users.remove_member(ctx.work, ctx.access, user_id)
    await ctx.work.commit()
    await get_runtime(request).token_cache.revoked()


def _invitation(row: Invitation, role: str) -> InvitationOut:
    return InvitationOut(
        id=row.id,
        email=row.email,
        role=role,
        state=row.state,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


@router.get("/tenants/{tenant}/invitations", response_model=list[InvitationOut])
async def list_invitations(ctx: CtxDep) -> list[InvitationOut]:
    """Invitations nobody has answered yet."""
    rows = await users.list_invitations(ctx.work, ctx.access)
    return [_invitation(i, r.name) for i, r in rows]


@router.delete("/tenants/{tenant}/invitations/{invitation_id}", status_code=204)
async def revoke_invitation(invitation_id: IdPath, ctx: CtxDep) -> None:
    """Withdraw an invitation."""
    await users.revoke_invitation(ctx.work, ctx.access, invitation_id)
    await ctx.work.commit()


@router.get("/tenants/{tenant}/roles", response_model=list[RoleOut])
async def list_roles(ctx: CtxDep) -> list[RoleOut]:
    """Built-in and custom roles."""
    ctx.access.require(Permission.ROLES_MANAGE)
    return [_role(r) for r in await users.list_roles(ctx.work, ctx.tenant)]


@router.post("/tenants/{tenant}/roles", response_model=RoleOut, status_code=201)
async def create_role(body: RoleIn, ctx: CtxDep) -> RoleOut:
    """A custom role made of permissions the caller holds."""
    role = await users.create_role(ctx.work, ctx.tenant, body.name, body.permissions, by=ctx.access)
    await ctx.work.commit()
    return _role(role)
