"""Create and read tenants."""

import re
import uuid
import zoneinfo
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.auth.permissions import BUILTIN_ROLES
from omniline.journal.work import Work
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import JournalHead, Role, Tenant
from omniline.routing.calendar import calendar_doc, parse_calendar

DEFAULT_SETTINGS: dict[str, Any] = {
    "case_join_window_hours": 72,
    "portal_enabled": True,
    "wrap_up_reason_required": True,
}
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


# settings kept in the tenant's settings document rather than in columns of their own
SETTING_KEYS = (
    "case_join_window_hours",
    "canned_responses",
    "break_reasons",
    "wrap_up_reason_required",
    "portal_enabled",
    "desk_timeout_seconds",
    "callback_queue_id",
)


def check_slug(slug: str) -> str:
    """A slug is lower-case letters, digits and dashes, up to 63 characters."""
    if not _SLUG.match(slug):
        raise InvalidInput(
            f"tenant slug '{slug}' is not valid: use lower-case letters, digits and dashes"
        )
    return slug


def zone(tenant: Tenant) -> zoneinfo.ZoneInfo:
    """The tenant's time zone (checked when it is saved)."""
    return zoneinfo.ZoneInfo(tenant.timezone or "UTC")


def check_timezone(name: str) -> str:
    """An IANA time zone name such as Europe/Warsaw."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone '{name}': use an IANA name like Europe/Warsaw"
        ) from exc
    return name


async def create_tenant(
    work: Work,
    *,
    slug: str,
    name: str,
    timezone: str = "UTC",
    default_language: str = "en",
    default_region: str = "US",
    business_calendar: dict[str, Any] | None = None,
) -> Tenant:
    """Create a tenant with its built-in roles and its journal."""
    check_slug(slug)
    check_timezone(timezone)
    if await work.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict(f"a tenant with slug '{slug}' already exists")
    tenant = Tenant(
        id=new_id(),
        slug=slug,
        name=name,
        timezone=timezone,
        default_language=default_language,
        default_region=default_region.upper(),
        business_calendar=checked_calendar(business_calendar or {}),
        settings=dict(DEFAULT_SETTINGS),
        next_case_number=1,
    )
    work.session.add(tenant)
    work.session.add(JournalHead(stream=str(tenant.id), event_seq=0, audit_seq=0, audit_hash=""))
    for role_name, perms in BUILTIN_ROLES.items():
        work.session.add(
            Role(
                id=new_id(),
                tenant_id=tenant.id,
                name=role_name,
                builtin=True,
                permissions=sorted(perms),
            )
        )
    await work.session.flush()
    work.audit(None, "tenant.created", "tenant", tenant.id, {"slug": slug, "name": name})
    work.audit(tenant.id, "tenant.created", "tenant", tenant.id, {"slug": slug, "name": name})
    return tenant


async def get_tenant(session: AsyncSession, ref: str | uuid.UUID) -> Tenant | None:
    """A tenant by slug or id."""
    if isinstance(ref, uuid.UUID):
        return await session.get(Tenant, ref)
    return await session.scalar(select(Tenant).where(Tenant.slug == ref))


async def get_tenant_or_raise(session: AsyncSession, ref: str | uuid.UUID) -> Tenant:
    """A tenant by slug or id, or 404."""
    tenant = await get_tenant(session, ref)
    if tenant is None:
        raise NotFound(f"tenant '{ref}' not found")
    return tenant


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    """Every tenant of the installation."""
    return list(await session.scalars(select(Tenant).order_by(Tenant.slug)))


def tenant_setting(tenant: Tenant, key: str) -> Any:
    """A tenant's setting, falling back to the default."""
    return (tenant.settings or {}).get(key, DEFAULT_SETTINGS.get(key))


def checked_calendar(doc: dict[str, Any]) -> dict[str, Any]:
    """A business calendar, validated (a clear 422 if not) and in its normal form."""
    return calendar_doc(parse_calendar(doc))


async def update_tenant(work: Work, tenant: Tenant, changes: dict[str, Any]) -> Tenant:
    """Change a tenant's name, time zone, language, region, calendar or settings."""
    if "timezone" in changes:
        check_timezone(changes["timezone"])
    if changes.get("business_calendar") is not None:
        changes["business_calendar"] = checked_calendar(changes["business_calendar"])
    settings = {k: changes.pop(k) for k in SETTING_KEYS if k in changes}
    for name, value in changes.items():
        setattr(tenant, name, value.upper() if name == "default_region" else value)
    if settings:
        tenant.settings = {**(tenant.settings or {}), **settings}
        changes.update(settings)
    if changes:
        work.emit(tenant.id, "tenant.updated", changes)
        work.audit(tenant.id, "tenant.updated", "tenant", tenant.id, changes)
    return tenant


async def next_case_number(work: Work, tenant: Tenant) -> int:
    """Take the tenant's next case number atomically (concurrent cases never share one)."""
    number = await work.session.scalar(
        update(Tenant)
        .where(Tenant.id == tenant.id)
        .values(next_case_number=Tenant.next_case_number + 1)
        .returning(Tenant.next_case_number - 1)
        .execution_options(synchronize_session=False)
    )
    assert number is not None
    return int(number)


async def reserve_case_numbers(work: Work, tenant: Tenant) -> int:
    """Lock the tenant's case counter for this transaction; returns the next free number.

    The caller numbers its new cases from there and calls release_case_numbers at the end.
    """
    number = await work.session.scalar(
        select(Tenant.next_case_number).where(Tenant.id == tenant.id).with_for_update()
    )
    assert number is not None
    return int(number)


async def release_case_numbers(work: Work, tenant: Tenant, next_free: int) -> None:
    """Store the counter after numbers taken with reserve_case_numbers."""
    await work.session.execute(
        update(Tenant)
        .where(Tenant.id == tenant.id)
        .values(next_case_number=next_free)
        .execution_options(synchronize_session=False)
    )
