"""People, and their roles in tenants.

People are installation-wide (docs/adr/0012-people-are-installation-wide.md): the functions
that take a `TenantAccess` are what a tenant's admin may do, and never reach beyond the
tenant or above the admin's own rights. The others (`create_user`, `set_password`,
`add_membership`, `deactivate`) are installation-level: the CLI, the demo and operators.
Services record; the caller commits, then calls `token_cache.revoked()` when a change
revoked sessions or tokens (`Revoked` says so).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from omniline.auth import service as auth
from omniline.auth.permissions import Permission, parse_permissions
from omniline.auth.secrets import hash_password, new_token, token_digest, verify_password
from omniline.auth.service import TenantAccess
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from omniline.kit.ids import new_id
from omniline.limits import service as limits
from omniline.models import Invitation, InvitationState, Membership, Role, Tenant, User
from omniline.users import repository
from omniline.users.repository import ADMIN_ROLE

MIN_PASSWORD = 10
INVITATION_PREFIX = "oli_"
INVITATION_TTL = timedelta(days=14)


def check_email(email: str) -> str:
    """A plausible e-mail address, lower-cased."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(f"'{email}' is not an e-mail address")
    return email


def check_password(password: str) -> str:
    """Passwords have at least MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters")
    return password


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """A user by e-mail address."""
    return await repository.get_user_by_email(session, email.strip().lower())


async def get_user_or_raise(session: AsyncSession, user_id: uuid.UUID) -> User:
    """A user by id, or 404."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


# --- installation level: the CLI, the demo, operators ------------------------------------


async def create_user(
    work: Work, *, email: str, name: str, password: str | None, superuser: bool = False
) -> User:
    """Create a person; without a password they cannot log in until one is set."""
    email = check_email(email)
    if await repository.get_user_by_email(work.session, email):
        raise Conflict(f"a user with e-mail '{email}' already exists")
    return _new_user(
        work, email, name, hash_password(check_password(password)) if password else None, superuser
    )


def _new_user(
    work: Work, email: str, name: str, password_hash: str | None, superuser: bool = False
) -> User:
    user = User(
        id=new_id(),
        email=email,
        name=name,
        password_hash=password_hash,
        is_superuser=superuser,
        is_active=True,
    )
    work.session.add(user)
    work.audit(None, "user.created", "user", user.id, {"email": email, "superuser": superuser})
    return user


async def set_password(work: Work, user: User, password: str) -> None:
    """Set a person's password (an operator's reset): their sessions and tokens end."""
    user.password_hash = hash_password(check_password(password))
    work.audit(None, "user.password_set", "user", user.id)
    await _revoke_everything(work, user)


async def add_membership(work: Work, tenant: Tenant, user: User, role_name: str) -> Membership:
    """Give a person a role in a tenant (replacing the role they had there)."""
    role = await _role_or_raise(work, tenant, role_name)
    found = await repository.get_membership(work.session, tenant.id, user.id)
    if found is None:
        membership = Membership(id=new_id(), tenant_id=tenant.id, user_id=user.id, role_id=role.id)
        work.session.add(membership)
    else:
        membership = found[0]
        membership.role_id = role.id
    work.audit(tenant.id, "membership.set", "user", user.id, {"role": role_name})
    return membership


async def deactivate(work: Work, user: User) -> None:
    """Stop a person from logging in anywhere: their sessions and tokens end at once."""
    if user.is_active:
        user.is_active = False
        work.audit(None, "user.deactivated", "user", user.id)
    await _revoke_everything(work, user)


async def activate(work: Work, user: User) -> None:
    """Let a deactivated person log in again (with a password set since, if need be)."""
    if not user.is_active:
        user.is_active = True
        work.audit(None, "user.activated", "user", user.id)


async def _revoke_everything(work: Work, user: User) -> None:
    await auth.revoke_sessions(work, user.id)
    await auth.revoke_tokens_of(work, user.id)


# --- the person themselves ---------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChange:
    old: str
    new: str
    ip: str | None


async def change_password(work: Work, user: User, change: PasswordChange, secret: str) -> None:
    """A person changes their own password, proving the old one (guesses are throttled like
    logins); every session and token of theirs ends, the caller opens a new session."""
    account = limits.client_key(secret, f"account:{user.email}")
    await limits.check_backoff(work, None, auth.LOGIN_BY_ACCOUNT, account)
    check_password(change.new)
    if not verify_password(user.password_hash, change.old):
        limits.record(work, None, auth.LOGIN_BY_ACCOUNT.bucket, account)
        work.audit(None, "user.password_change_failed", "user", user.id)
        raise Unauthorized("the current password is wrong")
    user.password_hash = hash_password(change.new)
    work.audit(None, "user.password_changed", "user", user.id)
    await _revoke_everything(work, user)


async def my_invitations(work: Work, user: User) -> list[tuple[Invitation, Tenant, Role]]:
    """The pending invitations to a person's address."""
    rows = await repository.invitations_to(work.session, user.email)
    return [(i, t, r) for i, t, r in rows if i.expires_at > utcnow()]


async def accept_invitation(
    work: Work, user: User, invitation_id: uuid.UUID, code: str
) -> Membership:
    """Join a tenant: the person is logged in as the invited address AND holds the code the
    inviting admin gave them (an account someone else made for the address has no code)."""
    invitation, tenant = await _my_invitation(work, user, invitation_id)
    if token_digest(code.strip()) != invitation.code_hash:
        raise Forbidden("this is not the code of that invitation: ask the admin who sent it")
    role = await work.session.get(Role, invitation.role_id)
    assert role is not None  # the invitation goes with its role (ON DELETE CASCADE)
    invitation.state = InvitationState.ACCEPTED
    invitation.decided_at = utcnow()
    work.audit(tenant.id, "invitation.accepted", "invitation", invitation.id, {"role": role.name})
    return await add_membership(work, tenant, user, role.name)


async def decline_invitation(work: Work, user: User, invitation_id: uuid.UUID) -> None:
    """Say no to an invitation."""
    invitation, tenant = await _my_invitation(work, user, invitation_id)
    invitation.state = InvitationState.DECLINED
    invitation.decided_at = utcnow()
    work.audit(tenant.id, "invitation.declined", "invitation", invitation.id)


async def _my_invitation(
    work: Work, user: User, invitation_id: uuid.UUID
) -> tuple[Invitation, Tenant]:
    for invitation, tenant, _ in await my_invitations(work, user):
        if invitation.id == invitation_id:
            return invitation, tenant
    raise NotFound("no such invitation is waiting for you (it may have expired or been revoked)")


# --- a tenant's admin --------------------------------------------------------------------


@dataclass(frozen=True)
class Invite:
    """Who a tenant admin asks to join, with which role; name and first password are used
    only if nobody has the address yet."""

    email: str
    role: str
    name: str = ""
    password: str | None = None


async def invite(work: Work, access: TenantAccess, wanted: Invite) -> tuple[Invitation, str]:
    """Invite an address to the tenant; returns the invitation and its code (shown once).

    The answer is the same whether the address has an account or not, and costs the same
    time: a new address gets an account (with the given first password), an existing one is
    left untouched. Either way the person joins only by accepting with the code.
    """
    access.require(Permission.USERS_MANAGE)
    tenant = access.tenant
    email = check_email(wanted.email)
    role = await _role_or_raise(work, tenant, wanted.role)
    access.require_all(role.permissions, f"inviting someone as '{role.name}'")
    first_hash = hash_password(check_password(wanted.password)) if wanted.password else None
    user = await repository.get_user_by_email(work.session, email)
    if user is not None and await repository.get_membership(work.session, tenant.id, user.id):
        raise Conflict(f"{email} is a member already: change their role instead")
    if user is None:
        _new_user(work, email, wanted.name.strip() or email, first_hash)
    code = new_token(INVITATION_PREFIX)
    invitation = Invitation(
        id=new_id(),
        tenant_id=tenant.id,
        email=email,
        role_id=role.id,
        code_hash=token_digest(code),
        invited_by=access.actor.user_id,
        state=InvitationState.PENDING,
        expires_at=utcnow() + INVITATION_TTL,
    )
    work.session.add(invitation)
    work.audit(
        tenant.id, "invitation.created", "invitation", invitation.id,
        {"email": email, "role": role.name},
    )  # fmt: skip
    return invitation, code


async def list_invitations(work: Work, access: TenantAccess) -> list[tuple[Invitation, Role]]:
    """The tenant's pending invitations."""
    access.require(Permission.USERS_MANAGE)
    return await repository.list_invitations(work.session, access.tenant.id)


async def revoke_invitation(work: Work, access: TenantAccess, invitation_id: uuid.UUID) -> None:
    """Withdraw a pending invitation."""
    access.require(Permission.USERS_MANAGE)
    invitation = await work.session.get(Invitation, invitation_id)
    if invitation is None or invitation.tenant_id != access.tenant.id:
        raise NotFound("invitation not found")
    if invitation.state == InvitationState.PENDING:
        invitation.state = InvitationState.REVOKED
        invitation.decided_at = utcnow()
        work.audit(access.tenant.id, "invitation.revoked", "invitation", invitation.id)


async def change_role(
    work: Work, access: TenantAccess, user_id: uuid.UUID, role_name: str
) -> tuple[User, Role]:
    """Give a member another role: the caller holds every right of the old and the new role,
    and the tenant keeps an admin."""
    access.require(Permission.USERS_MANAGE)
    membership, old, user = await _member_or_raise(work, access, user_id)
    new = await _role_or_raise(work, access.tenant, role_name)
    access.require_all(old.permissions, f"changing the role of a member who is '{old.name}'")
    access.require_all(new.permissions, f"making someone '{new.name}'")
    if old.id != new.id:
        await _keep_an_admin(work, access.tenant, old, user)
        membership.role_id = new.id
        work.audit(
            access.tenant.id, "membership.role_changed", "user", user.id,
            {"from": old.name, "to": new.name},
        )  # fmt: skip
    return user, new


async def remove_member(work: Work, access: TenantAccess, user_id: uuid.UUID) -> None:
    """A tenant admin takes a person out of the tenant (only someone whose rights the admin
    holds)."""
    access.require(Permission.USERS_MANAGE)
    _, role, user = await _member_or_raise(work, access, user_id)
    access.require_all(role.permissions, f"removing a member who is '{role.name}'")
    await remove_membership(work, access.tenant, user)


async def remove_membership(work: Work, tenant: Tenant, user: User) -> None:
    """Take a person out of a tenant: the tokens they made there are revoked, and their
    sessions no longer open it (access is checked on every request). The tenant keeps an
    admin."""
    found = await repository.get_membership(work.session, tenant.id, user.id)
    if found is None:
        raise NotFound(f"{user.email} is not a member of '{tenant.slug}'")
    membership, role, _ = found
    await _keep_an_admin(work, tenant, role, user)
    await work.session.delete(membership)
    await auth.revoke_tokens_of(work, user.id, tenant.id)
    work.audit(tenant.id, "membership.removed", "user", user.id, {"role": role.name})


async def _member_or_raise(
    work: Work, access: TenantAccess, user_id: uuid.UUID
) -> tuple[Membership, Role, User]:
    found = await repository.get_membership(work.session, access.tenant.id, user_id)
    if found is None:
        raise NotFound("member not found")
    return found


async def _keep_an_admin(work: Work, tenant: Tenant, role: Role, user: User) -> None:
    """Refuse to take the admin role from the tenant's last active admin."""
    if not (role.builtin and role.name == ADMIN_ROLE and user.is_active):
        return
    if await repository.count_admins(work.session, tenant.id) <= 1:
        raise Conflict(
            f"{user.email} is the last admin of '{tenant.slug}': make someone else admin first"
        )


async def list_members(work: Work, tenant: Tenant) -> list[tuple[User, Role]]:
    """The people of a tenant with their roles."""
    return await repository.list_members(work.session, tenant.id)


async def list_roles(work: Work, tenant: Tenant) -> list[Role]:
    """The built-in and custom roles of a tenant."""
    return await repository.list_roles(work.session, tenant.id)


async def create_role(
    work: Work,
    tenant: Tenant,
    name: str,
    permissions: list[str],
    *,
    by: TenantAccess | None = None,
) -> Role:
    """A custom role made of permissions (including field-level rights on personal data);
    made `by` a tenant's person, only of permissions that person holds."""
    wanted = parse_permissions(permissions)
    if by is not None:
        by.require(Permission.ROLES_MANAGE)
        by.require_all(wanted, "a role with these permissions")
    if await repository.get_role(work.session, tenant.id, name):
        raise Conflict(f"a role named '{name}' already exists")
    role = Role(
        id=new_id(), tenant_id=tenant.id, name=name, builtin=False, permissions=sorted(wanted)
    )
    work.session.add(role)
    work.audit(
        tenant.id, "role.created", "role", role.id, {"name": name, "permissions": role.permissions}
    )
    return role


async def _role_or_raise(work: Work, tenant: Tenant, name: str) -> Role:
    role = await repository.get_role(work.session, tenant.id, name)
    if role is None:
        raise NotFound(f"role '{name}' not found in tenant '{tenant.slug}'")
    return role
