"""Open, join, change and close cases."""

import uuid
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from omniline.cases import repository
from omniline.channels import catalog
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseStatus,
    Customer,
    Interaction,
    Priority,
    Tenant,
)
from omniline.reasons import service as reasons
from omniline.tenants.service import next_case_number, tenant_setting

get_case = repository.get_case
get_cases = repository.get_cases
open_cases_of = repository.open_cases_of
list_cases = repository.list_cases
open_contacts = repository.open_contacts
# statuses a case may only reach when none of its contacts is still open
DONE_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})

_ALLOWED = {
    CaseStatus.NEW: {CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.OPEN: {CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.PENDING: {CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.RESOLVED: {CaseStatus.OPEN, CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.OPEN},
}


async def get_case_or_raise(work: Work, tenant: Tenant, case_id: uuid.UUID) -> Case:
    """A case of the tenant, or 404."""
    case = await repository.get_case(work.session, tenant.id, case_id)
    if case is None:
        raise NotFound("case not found")
    return case


async def get_case_by_number_or_raise(work: Work, tenant: Tenant, number: int) -> Case:
    """A case of the tenant by its number, or 404."""
    case = await repository.get_case_by_number(work.session, tenant.id, number)
    if case is None:
        raise NotFound(f"the tenant has no case {number}")
    return case


async def open_or_join_case(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    *,
    channel: str,
    reason_id: uuid.UUID | None = None,
    subject: str = "",
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Join the customer's open case for the same reason within the window, or open one."""
    now = now or utcnow()
    case = await repository.find_joinable_case(
        work.session, tenant.id, customer.id, reason_id, now - join_window(tenant)
    )
    if case is not None:
        return join_case(case, reason_id, now), False
    return await open_case(
        work, tenant, customer, channel=channel, reason_id=reason_id, subject=subject, now=now
    ), True


def join_window(tenant: Tenant) -> timedelta:
    """How long after its last activity an open case takes a returning customer's contact."""
    return timedelta(hours=float(tenant_setting(tenant, "case_join_window_hours")))


def pick_joinable(
    candidates: Iterable[Case],
    customer_id: uuid.UUID,
    reason_id: uuid.UUID | None,
    active_since: datetime,
) -> Case | None:
    """In memory, what find_joinable_case asks the database: the customer's most recently
    active open case for this reason (or without one)."""
    fitting = [
        c
        for c in candidates
        if c.customer_id == customer_id
        and c.status in OPEN_CASE_STATUSES
        and c.last_activity_at >= active_since
        and (reason_id is None or c.reason_id in (reason_id, None))
    ]
    return max(fitting, key=lambda c: c.last_activity_at, default=None)


def join_case(case: Case, reason_id: uuid.UUID | None, now: datetime) -> Case:
    """A returning contact joins a case: it is active now, and takes the reason if it had none."""
    case.last_activity_at = now
    if case.reason_id is None and reason_id is not None:
        case.reason_id = reason_id
    return case


async def open_case(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    *,
    channel: str,
    reason_id: uuid.UUID | None = None,
    subject: str = "",
    priority: Priority = Priority.NORMAL,
    owner_id: uuid.UUID | None = None,
    now: datetime | None = None,
    number: int | None = None,
) -> Case:
    """Open a new case with the tenant's next case number (or one the caller reserved)."""
    now = now or utcnow()
    if number is None:
        number = await next_case_number(work, tenant)
    case = Case(
        id=new_id(),
        tenant_id=tenant.id,
        number=number,
        customer_id=customer.id,
        subject=subject[:300],
        status=CaseStatus.NEW,
        priority=priority,
        reason_id=reason_id,
        owner_id=owner_id,
        first_channel=channel,
        last_activity_at=now,
        created_at=now,
    )
    work.session.add(case)
    work.emit(
        tenant.id,
        "case.opened",
        {
            "number": number,
            "channel": channel,
            "reason_id": reason_id,
            "priority": priority,
            "owner_id": owner_id,
        },
        customer_id=customer.id,
        case_id=case.id,
        occurred_at=now,
    )
    return case


async def create_case(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    *,
    channel: str,
    subject: str = "",
    priority: Priority = Priority.NORMAL,
    reason_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
) -> Case:
    """Open a case by hand (a contact registered by branch or post staff, say), checked."""
    if customer.merged_into_id is not None:
        raise InvalidInput(
            f"customer {customer.id} was merged into {customer.merged_into_id}: open the case there"
        )
    await catalog.check_tenant_channel(work, tenant, channel)
    if reason_id is not None:
        await check_reason(work, tenant, reason_id)
    if owner_id is not None:
        await check_owner(work, tenant, owner_id)
    case = await open_case(
        work,
        tenant,
        customer,
        channel=channel,
        reason_id=reason_id,
        subject=subject,
        priority=priority,
        owner_id=owner_id,
    )
    work.audit(
        tenant.id,
        "case.created",
        "case",
        case.id,
        {"number": case.number, "customer_id": customer.id, "channel": channel},
    )
    return case


async def check_reason(work: Work, tenant: Tenant, reason_id: uuid.UUID) -> None:
    """A case's reason must be an active reason of the tenant."""
    reason = await reasons.get_reason(work.session, tenant.id, reason_id)
    if reason is None or not reason.active:
        raise InvalidInput(
            f"contact reason {reason_id} is not an active reason of this tenant: "
            f"see GET /api/v1/tenants/{tenant.slug}/reasons"
        )


async def check_owner(work: Work, tenant: Tenant, user_id: uuid.UUID) -> None:
    """A case's owner must be an active member of the tenant."""
    if not await repository.is_active_member(work.session, tenant.id, user_id):
        raise InvalidInput(f"user {user_id} is not an active member of this tenant")


async def set_status(work: Work, tenant: Tenant, case: Case, status: CaseStatus) -> Case:
    """Move a case to a new status, if the move is allowed."""
    if status == case.status:
        return case
    if status not in _ALLOWED[case.status]:
        raise InvalidInput(f"a {case.status} case cannot become {status}")
    if status in DONE_STATUSES:
        await check_no_open_contacts(work, tenant, case, status)
    now = utcnow()
    previous, case.status = case.status, status
    case.last_activity_at = now
    if status is CaseStatus.RESOLVED:
        case.resolved_at = now
    if status is CaseStatus.CLOSED:
        case.closed_at = now
    if status is CaseStatus.OPEN:
        case.resolved_at = case.closed_at = None
    work.emit(
        tenant.id,
        "case.status_changed",
        # the case's identity travels with the change, so a listener can show a reopened case
        {
            "from": previous,
            "to": status,
            "number": case.number,
            "priority": case.priority,
            "created_at": case.created_at,
        },
        customer_id=case.customer_id,
        case_id=case.id,
    )
    work.audit(tenant.id, "case.status_changed", "case", case.id, {"from": previous, "to": status})
    return case


async def check_no_open_contacts(
    work: Work, tenant: Tenant, case: Case, status: CaseStatus
) -> None:
    """A case is resolved or closed only when none of its contacts waits or goes on (409
    naming them): a closed case never hides a customer still waiting."""
    still = await repository.open_contacts(work.session, tenant.id, case.id)
    if not still:
        return
    raise Conflict(
        f"case {case.number} cannot become {status}: its contacts "
        f"{', '.join(describe_contact(row) for row in still)} are still open; end them first, "
        "or send end_open_contacts with the reason to end those nobody is handling",
        open_contacts=[
            {"id": str(row.id), "channel": row.channel, "status": str(row.status)} for row in still
        ],
    )


def describe_contact(row: Interaction) -> str:
    """A contact as an error names it: channel, id and status."""
    return f"{row.channel} {row.id} ({row.status})"


async def update_case(
    work: Work,
    tenant: Tenant,
    case: Case,
    *,
    priority: Priority | None = None,
    reason_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    subject: str | None = None,
    unset: Collection[str] = (),
) -> Case:
    """Change a case's priority, reason, owner or subject; `unset` clears reason_id/owner_id."""
    clearable = {"reason_id", "owner_id"}
    if not set(unset) <= clearable:
        raise InvalidInput(f"only {', '.join(sorted(clearable))} can be cleared")
    if reason_id is not None and reason_id != case.reason_id:
        await check_reason(work, tenant, reason_id)
    if owner_id is not None and owner_id != case.owner_id:
        await check_owner(work, tenant, owner_id)
    changes: dict[str, object] = {}
    for name, value in (
        ("priority", priority),
        ("reason_id", reason_id),
        ("owner_id", owner_id),
        ("subject", subject),
    ):
        if value is not None and getattr(case, name) != value:
            changes[name] = value
            setattr(case, name, value)
    for name in unset:
        if getattr(case, name) is not None and name not in changes:
            changes[name] = None
            setattr(case, name, None)
    if changes:
        case.last_activity_at = utcnow()
        work.emit(tenant.id, "case.updated", changes, customer_id=case.customer_id, case_id=case.id)
        work.audit(tenant.id, "case.updated", "case", case.id, changes)
    return case
