"""Tenants, their members and roles."""

from typing import Any

from fastapi import APIRouter

from omniline.api.deps import Ctx, CtxDep, PrincipalDep, WorkDep
from omniline.auth.permissions import Permission
from omniline.callbacks import service as callbacks
from omniline.kit.errors import Forbidden
from omniline.models import Role, Tenant
from omniline.tenants import service
from omniline.tenants.schemas import (
    MemberIn,
    MemberOut,
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


@router.post("/tenants/{tenant}/members", response_model=MemberOut, status_code=201)
async def add_member(body: MemberIn, ctx: CtxDep) -> MemberOut:
    """Give a person a role in the tenant, creating the person if they are new."""
    ctx.access.require(Permission.USERS_MANAGE)
    user = await users.get_user_by_email(ctx.work.session, body.email)
    if user is None:
        user = await users.create_user(
            ctx.work, email=body.email, name=body.name or body.email, password=body.password
        )
    await users.add_membership(ctx.work, ctx.tenant, user, body.role)
    await ctx.work.commit()
    return MemberOut(user_id=user.id, email=user.email, name=user.name, role=body.role)


@router.get("/tenants/{tenant}/roles", response_model=list[RoleOut])
async def list_roles(ctx: CtxDep) -> list[RoleOut]:
    """Built-in and custom roles."""
    ctx.access.require(Permission.ROLES_MANAGE)
    return [_role(r) for r in await users.list_roles(ctx.work, ctx.tenant)]


@router.post("/tenants/{tenant}/roles", response_model=RoleOut, status_code=201)
async def create_role(body: RoleIn, ctx: CtxDep) -> RoleOut:
    """A custom role made of permissions."""
    ctx.access.require(Permission.ROLES_MANAGE)
    role = await users.create_role(ctx.work, ctx.tenant, body.name, body.permissions)
    await ctx.work.commit()
    return _role(role)
