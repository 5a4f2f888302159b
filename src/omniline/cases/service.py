"""Open, join, change and close cases."""

import uuid
from datetime import datetime, timedelta

from omniline.cases import repository
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import Case, CaseStatus, Customer, Priority, Tenant
from omniline.tenants.service import tenant_setting

get_case = repository.get_case
list_cases = repository.list_cases

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
    window = timedelta(hours=float(tenant_setting(tenant, "case_join_window_hours")))
    case = await repository.find_joinable_case(
        work.session, tenant.id, customer.id, reason_id, now - window
    )
    if case is not None:
        case.last_activity_at = now
        if case.reason_id is None and reason_id is not None:
            case.reason_id = reason_id
        return case, False
    return await open_case(
        work, tenant, customer, channel=channel, reason_id=reason_id, subject=subject, now=now
    ), True


async def open_case(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    *,
    channel: str,
    reason_id: uuid.UUID | None = None,
    subject: str = "",
    priority: Priority = Priority.NORMAL,
    now: datetime | None = None,
) -> Case:
    """Open a new case with the tenant's next case number."""
    now = now or utcnow()
    number = tenant.next_case_number
    tenant.next_case_number = number + 1
    case = Case(
        id=new_id(),
        tenant_id=tenant.id,
        number=number,
        customer_id=customer.id,
        subject=subject[:300],
        status=CaseStatus.NEW,
        priority=priority,
        reason_id=reason_id,
        first_channel=channel,
        last_activity_at=now,
        created_at=now,
    )
    work.session.add(case)
    work.emit(
        tenant.id,
        "case.opened",
        {"number": number, "channel": channel, "reason_id": reason_id, "priority": priority},
        customer_id=customer.id,
        case_id=case.id,
        occurred_at=now,
    )
    return case


async def set_status(work: Work, tenant: Tenant, case: Case, status: CaseStatus) -> Case:
    """Move a case to a new status, if the move is allowed."""
    if status == case.status:
        return case
    if status not in _ALLOWED[case.status]:
        raise InvalidInput(f"a {case.status} case cannot become {status}")
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
        {"from": previous, "to": status},
        customer_id=case.customer_id,
        case_id=case.id,
    )
    work.audit(tenant.id, "case.status_changed", "case", case.id, {"from": previous, "to": status})
    return case


async def update_case(
    work: Work,
    tenant: Tenant,
    case: Case,
    *,
    priority: Priority | None = None,
    reason_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    subject: str | None = None,
) -> Case:
    """Change a case's priority, reason, owner or subject."""
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
    if changes:
        case.last_activity_at = utcnow()
        work.emit(tenant.id, "case.updated", changes, customer_id=case.customer_id, case_id=case.id)
        work.audit(tenant.id, "case.updated", "case", case.id, changes)
    return case
