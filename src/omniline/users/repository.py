"""Every query of people, memberships, roles and invitations."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.models import Invitation, InvitationState, Membership, Role, Tenant, User

ADMIN_ROLE = "admin"


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """A person by (normalised) e-mail address."""
    return await session.scalar(select(User).where(User.email == email))


async def get_role(session: AsyncSession, tenant_id: uuid.UUID, name: str) -> Role | None:
    """A tenant's role by name."""
    return await session.scalar(select(Role).where(Role.tenant_id == tenant_id, Role.name == name))


async def list_roles(session: AsyncSession, tenant_id: uuid.UUID) -> list[Role]:
    """A tenant's roles by name."""
    rows = await session.scalars(
        select(Role).where(Role.tenant_id == tenant_id).order_by(Role.name)
    )
    return list(rows)


async def get_membership(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Membership, Role, User] | None:
    """A person's membership in a tenant, with its role and the person."""
    row = (
        await session.execute(
            select(Membership, Role, User)
            .join(Role, Role.id == Membership.role_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def count_admins(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Active people who hold the built-in admin role in a tenant."""
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(Role, Role.id == Membership.role_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id == tenant_id,
            Role.name == ADMIN_ROLE,
            Role.builtin.is_(True),
            User.is_active.is_(True),
        )
    )
    return int(count or 0)


async def list_members(session: AsyncSession, tenant_id: uuid.UUID) -> list[tuple[User, Role]]:
    """The people of a tenant with their roles."""
    rows = await session.execute(
        select(User, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(User.email)
    )
    return [(u, r) for u, r in rows.all()]


async def list_invitations(
    session: AsyncSession, tenant_id: uuid.UUID
) -> list[tuple[Invitation, Role]]:
    """A tenant's pending invitations, newest first."""
    rows = await session.execute(
        select(Invitation, Role)
        .join(Role, Role.id == Invitation.role_id)
        .where(Invitation.tenant_id == tenant_id, Invitation.state == InvitationState.PENDING)
        .order_by(Invitation.created_at.desc())
    )
    return [(i, r) for i, r in rows.all()]


async def invitations_to(
    session: AsyncSession, email: str
) -> list[tuple[Invitation, Tenant, Role]]:
    """The pending invitations to an e-mail address, with their tenants and roles."""
    rows = await session.execute(
        select(Invitation, Tenant, Role)
        .join(Tenant, Tenant.id == Invitation.tenant_id)
        .join(Role, Role.id == Invitation.role_id)
        .where(Invitation.email == email, Invitation.state == InvitationState.PENDING)
        .order_by(Invitation.created_at)
    )
    return [(i, t, r) for i, t, r in rows.all()]
