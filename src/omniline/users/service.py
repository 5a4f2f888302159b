"""Create people and give them roles in tenants."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.auth.permissions import parse_permissions
from omniline.auth.secrets import hash_password
from omniline.journal.work import Work
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import Membership, Role, Tenant, User

MIN_PASSWORD = 10


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
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def create_user(
    work: Work, *, email: str, name: str, password: str | None, superuser: bool = False
) -> User:
    """Create a person; without a password they cannot log in until one is set."""
    email = check_email(email)
    if await get_user_by_email(work.session, email):
        raise Conflict(f"a user with e-mail '{email}' already exists")
    user = User(
        id=new_id(),
        email=email,
        name=name,
        password_hash=hash_password(check_password(password)) if password else None,
        is_superuser=superuser,
        is_active=True,
    )
    work.session.add(user)
    work.audit(None, "user.created", "user", user.id, {"email": email, "superuser": superuser})
    return user


async def set_password(work: Work, user: User, password: str) -> None:
    """Set a person's password."""
    user.password_hash = hash_password(check_password(password))
    work.audit(None, "user.password_set", "user", user.id)


async def add_membership(work: Work, tenant: Tenant, user: User, role_name: str) -> Membership:
    """Give a person a role in a tenant (replacing the role they had there)."""
    role = await work.session.scalar(
        select(Role).where(Role.tenant_id == tenant.id, Role.name == role_name)
    )
    if role is None:
        raise NotFound(f"role '{role_name}' not found in tenant '{tenant.slug}'")
    membership = await work.session.scalar(
        select(Membership).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(id=new_id(), tenant_id=tenant.id, user_id=user.id, role_id=role.id)
        work.session.add(membership)
    else:
        membership.role_id = role.id
    work.audit(tenant.id, "membership.set", "user", user.id, {"role": role_name})
    return membership


async def list_members(work: Work, tenant: Tenant) -> list[tuple[User, Role]]:
    """The people of a tenant with their roles."""
    rows = await work.session.execute(
        select(User, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.tenant_id == tenant.id)
        .order_by(User.email)
    )
    return [(u, r) for u, r in rows.all()]


async def list_roles(work: Work, tenant: Tenant) -> list[Role]:
    """The built-in and custom roles of a tenant."""
    rows = await work.session.scalars(
        select(Role).where(Role.tenant_id == tenant.id).order_by(Role.name)
    )
    return list(rows)


async def create_role(work: Work, tenant: Tenant, name: str, permissions: list[str]) -> Role:
    """A custom role made of permissions (including field-level rights on personal data)."""
    if await work.session.scalar(
        select(Role.id).where(Role.tenant_id == tenant.id, Role.name == name)
    ):
        raise Conflict(f"a role named '{name}' already exists")
    role = Role(
        id=new_id(),
        tenant_id=tenant.id,
        name=name,
        builtin=False,
        permissions=sorted(parse_permissions(permissions)),
    )
    work.session.add(role)
    work.audit(
        tenant.id, "role.created", "role", role.id, {"name": name, "permissions": role.permissions}
    )
    return role
