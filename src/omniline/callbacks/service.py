"""Callbacks: a call promised to a customer at a time, made as an outbound voice contact.

An agent offers a callback in a contact ("we will call you at 15:00"). The callback waits as a
row of its own, with a durable `callbacks.due` job for its time (so a restart loses nothing).
When the job runs in the queue's open hours, the callback becomes an outbound voice contact in
the same case, queued for routing to offer like any contact: first to the agent who promised
it, if they said they would call back themselves. From then on its status follows that call.
Outside the queue's hours the job moves itself to the opening time.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.callbacks import repository
from omniline.callbacks.schemas import CallbackIn, CallbackOut, CallbackPatch
from omniline.cases import service as cases
from omniline.customers import service as customers
from omniline.customers.identities import IdentityKind, mask, normalize_phone
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import (
    OPEN_CASE_STATUSES,
    Callback,
    CallbackState,
    CallbackStatus,
    CaseStatus,
    Direction,
    Interaction,
    Queue,
    Tenant,
)
from omniline.routing import service as routing
from omniline.tenants import service as tenants

JOB = "callbacks.due"
CHANNEL = "voice"
MAX_AHEAD = timedelta(days=30)  # a promise further out is a task, not a callback
MAX_WINDOW = timedelta(hours=24)
PAST_GRACE = timedelta(minutes=1)  # "now" from a desk whose clock is a little behind
# without a window, how long a callback waits for the agent who will make it themselves
PREFERRED_HOLD = timedelta(minutes=15)

list_callbacks = repository.list_callbacks


@dataclass(frozen=True, slots=True)
class CallbackView:
    """A callback and its status as shown (its call's, once due)."""

    callback: Callback
    status: CallbackStatus


async def get_callback_or_raise(work: Work, tenant: Tenant, callback_id: uuid.UUID) -> CallbackView:
    """A callback of the tenant, or 404."""
    found = await repository.get_callback(work.session, tenant.id, callback_id)
    if found is None:
        raise NotFound("callback not found")
    return CallbackView(*found)


def access_callback(access: TenantAccess, view: CallbackView) -> CallbackView:
    """The callback, if the caller may change it: the agent who offered it or is to make it,
    or a supervisor (403 otherwise)."""
    access.require(Permission.INTERACTIONS_WRITE)
    row, user_id = view.callback, access.actor.user_id
    if access.can(Permission.ROUTING_SUPERVISE):
        return view
    if user_id is not None and user_id in (row.created_by_id, row.preferred_agent_id):
        return view
    raise Forbidden(
        "only the agent who offered this callback, the agent it is for, or a supervisor "
        "can change it"
    )


# --- checks --------------------------------------------------------------------------------


def check_due(due_at: datetime | None, now: datetime) -> datetime:
    """When a callback is due: now for "as soon as possible", else a time in the next 30 days."""
    if due_at is None:
        return now
    due = due_at.astimezone(UTC)
    if due < now - PAST_GRACE:
        raise InvalidInput(
            f"due_at {due:%Y-%m-%d %H:%M} UTC is in the past: choose a later time, or leave "
            "due_at out to call back as soon as possible",
            field="due_at",
        )
    if due > now + MAX_AHEAD:
        raise InvalidInput(
            f"due_at is more than {MAX_AHEAD.days} days ahead: a callback can be promised for "
            "the next 30 days at most",
            field="due_at",
        )
    return max(due, now)


def check_window(window_end_at: datetime | None, due: datetime) -> datetime | None:
    """The end of the call's window: after the due time, and at most a day later."""
    if window_end_at is None:
        return None
    end = window_end_at.astimezone(UTC)
    if end <= due:
        raise InvalidInput(
            f"window_end_at must be after the due time ({due:%Y-%m-%d %H:%M} UTC): send a "
            "later window_end_at, or null for no window",
            field="window_end_at",
        )
    if end - due > MAX_WINDOW:
        raise InvalidInput(
            "the window is longer than 24 hours: promise a narrower window", field="window_end_at"
        )
    return end


async def check_phone(work: Work, tenant: Tenant, customer_id: uuid.UUID, phone: str | None) -> str:
    """The number to call in E.164: the one given, else the customer's phone on file."""
    if phone is not None:
        try:
            return normalize_phone(phone, tenant.default_region)
        except InvalidInput as exc:
            raise InvalidInput(
                f"{exc.message}; send the number to call, in international form such as "
                "+44 20 7946 0958",
                field="phone",
            ) from exc
    identities = await customers.identities_of(work.session, [customer_id])
    phones = [i.value for i in identities if i.kind == IdentityKind.PHONE]
    if not phones:
        raise InvalidInput(
            "the customer has no phone number on file: send phone, the number to call",
            field="phone",
        )
    return phones[-1]  # the most recently added


async def check_queue(
    work: Work, tenant: Tenant, case_id: uuid.UUID, queue_id: uuid.UUID | None
) -> Queue:
    """The queue the call waits in: the one named, else the voice queue for the case's reason."""
    if queue_id is None:
        found = await routing.entry_queue(work, tenant, CHANNEL, case_id)
        if found is None:
            raise InvalidInput(
                "no active queue takes voice contacts: a supervisor sets one up (channels: "
                "voice), or name queue_id",
                field="queue_id",
            )
        return found
    try:
        queue = await routing.get_queue_or_raise(work, tenant, queue_id)
    except NotFound:
        raise InvalidInput("queue_id names no queue of this tenant", field="queue_id") from None
    if not queue.active or CHANNEL not in queue.channels:
        raise InvalidInput(
            f"the queue '{queue.name}' does not take voice contacts now: choose a voice queue, "
            "or leave queue_id out",
            field="queue_id",
        )
    return queue


async def check_preferred(
    work: Work, access: TenantAccess, agent_id: uuid.UUID | None, queue: Queue
) -> uuid.UUID | None:
    """The agent to offer the call to first: the caller themselves (a supervisor may name
    anyone), who must take contacts of the queue."""
    if agent_id is None:
        return None
    if agent_id != access.actor.user_id and not access.can(Permission.ROUTING_SUPERVISE):
        raise Forbidden(
            "agents can only promise to call back themselves; a supervisor may name another agent"
        )
    if not await routing.serves_queue(work, access.tenant, agent_id, queue):
        raise InvalidInput(
            f"that agent does not take contacts of the queue '{queue.name}': choose a queue "
            "on their routing profile, or leave preferred_agent_id out",
            field="preferred_agent_id",
        )
    return agent_id


def _not_scheduled(view: CallbackView) -> Conflict:
    row = view.callback
    if view.status == CallbackStatus.CANCELLED:
        return Conflict("the callback was cancelled: schedule a new one")
    if view.status == CallbackStatus.FAILED:
        return Conflict(
            f"the callback failed ({row.failure or 'no call was made'}): schedule a new one"
        )
    return Conflict(
        f"the callback is already {view.status} as call {row.interaction_id}: change that call "
        "instead (a supervisor can end it while it waits)",
        interaction_id=str(row.interaction_id),
    )


# --- changes -------------------------------------------------------------------------------


async def schedule(
    work: Work, access: TenantAccess, source: Interaction, data: CallbackIn
) -> CallbackView:
    """Promise a callback in a contact's case; the caller commits."""
    access.require(Permission.INTERACTIONS_WRITE)
    tenant, now = access.tenant, utcnow()
    due = check_due(data.due_at, now)
    window = check_window(data.window_end_at, due)
    phone = await check_phone(work, tenant, source.customer_id, data.phone)
    queue = await check_queue(work, tenant, source.case_id, data.queue_id)
    preferred = await check_preferred(work, access, data.preferred_agent_id, queue)
    row = Callback(
        id=new_id(),
        tenant_id=tenant.id,
        case_id=source.case_id,
        customer_id=source.customer_id,
        source_interaction_id=source.id,
        phone=phone,
        due_at=due,
        window_end_at=window,
        queue_id=queue.id,
        preferred_agent_id=preferred,
        note=data.note,
        created_by_id=access.actor.user_id,
        state=CallbackState.SCHEDULED,
        created_at=now,
        updated_at=now,
    )
    work.session.add(row)
    _enqueue(work, row, now)
    _emit(work, row, "callback.scheduled", CallbackStatus.SCHEDULED, queue=queue.name)
    work.audit(tenant.id, "callback.scheduled", "callback", row.id, _audit_data(row))
    return CallbackView(row, CallbackStatus.SCHEDULED)


async def reschedule(
    work: Work, access: TenantAccess, view: CallbackView, patch: CallbackPatch
) -> CallbackView:
    """A new time, number or note for a callback still waiting for its time."""
    row = access_callback(access, view).callback
    if view.status != CallbackStatus.SCHEDULED:
        raise _not_scheduled(view)
    fields, now = patch.model_fields_set, utcnow()
    values: dict[str, Any] = {}
    if "due_at" in fields:
        values["due_at"] = check_due(patch.due_at, now)
    if fields & {"due_at", "window_end_at"}:
        window = patch.window_end_at if "window_end_at" in fields else row.window_end_at
        values["window_end_at"] = check_window(window, values.get("due_at", row.due_at))
    if "phone" in fields:
        values["phone"] = await check_phone(work, access.tenant, row.customer_id, patch.phone)
    if "note" in fields:
        values["note"] = patch.note or ""
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    if not changed:
        return view
    if not await repository.transition(
        work.session, row, CallbackState.SCHEDULED, updated_at=now, **values
    ):
        raise Conflict("the callback became due meanwhile: reload it")
    if "due_at" in changed:
        _enqueue(work, row, now)  # the job for the old time finds it not due yet and stops
    _emit(work, row, "callback.updated", view.status, fields=changed)
    work.audit(
        access.tenant.id,
        "callback.updated",
        "callback",
        row.id,
        {"fields": changed, **_audit_data(row)},
    )
    return view


async def cancel(work: Work, access: TenantAccess, view: CallbackView, reason: str) -> CallbackView:
    """Call the callback off while it waits for its time."""
    row = access_callback(access, view).callback
    if view.status != CallbackStatus.SCHEDULED:
        raise _not_scheduled(view)
    now = utcnow()
    if not await repository.transition(
        work.session,
        row,
        CallbackState.SCHEDULED,
        state=CallbackState.CANCELLED,
        cancelled_at=now,
        updated_at=now,
    ):
        raise Conflict("the callback became due meanwhile: reload it")
    _emit(work, row, "callback.cancelled", CallbackStatus.CANCELLED, reason=reason)
    work.audit(access.tenant.id, "callback.cancelled", "callback", row.id, {"reason": reason})
    return CallbackView(row, CallbackStatus.CANCELLED)


def _enqueue(work: Work, row: Callback, now: datetime, at: datetime | None = None) -> None:
    delay = max((at or row.due_at) - now, timedelta(0))
    work.enqueue(JOB, {"tenant_id": row.tenant_id, "callback_id": row.id}, delay=delay)


def _emit(work: Work, row: Callback, kind: str, status: CallbackStatus, **extra: Any) -> None:
    """A callback event; it names the call once there is one, else the contact it came from.
    The number is not in it (events reach every desk of the tenant)."""
    work.emit(
        row.tenant_id,
        kind,
        {
            "callback_id": row.id,
            "status": status,
            "due_at": row.due_at,
            "window_end_at": row.window_end_at,
            "queue_id": row.queue_id,
            "preferred_agent_id": row.preferred_agent_id,
            "created_by_id": row.created_by_id,
            **extra,
        },
        customer_id=row.customer_id,
        case_id=row.case_id,
        interaction_id=row.interaction_id or row.source_interaction_id,
    )


def _audit_data(row: Callback) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "due_at": row.due_at,
        "window_end_at": row.window_end_at,
        "queue_id": row.queue_id,
        "preferred_agent_id": row.preferred_agent_id,
    }


# --- when due ------------------------------------------------------------------------------


async def make_due(work: Work, callback_id: uuid.UUID) -> None:
    """The `callbacks.due` job: at its time and in its queue's hours, the callback becomes an
    outbound voice contact in its case, queued for routing. Safe to run twice, and early."""
    now = utcnow()
    row = await repository.get_for_job(work.session, callback_id)
    if row is None or row.state != CallbackState.SCHEDULED or row.due_at > now:
        return  # done, called off, or moved later (a job for the new time exists)
    tenant = await tenants.get_tenant_or_raise(work.session, row.tenant_id)
    queue = await _due_queue(work, tenant, row)
    if queue is None:
        await _fail(work, row, "no active queue takes voice contacts", now)
        return
    opens = routing.opens_at(tenant, queue, now)
    if opens is None:
        await _fail(work, row, f"the queue '{queue.name}' does not open within 400 days", now)
    elif opens > now:
        _enqueue(work, row, now, at=opens)
        _emit(work, row, "callback.waiting", CallbackStatus.SCHEDULED, until=opens, why="closed")
    elif await repository.transition(
        work.session,
        row,
        CallbackState.SCHEDULED,
        state=CallbackState.DUE,
        queue_id=queue.id,
        updated_at=now,
    ):
        await _place_call(work, tenant, row, queue, now)


async def _due_queue(work: Work, tenant: Tenant, row: Callback) -> Queue | None:
    """The callback's queue, or if it was switched off since, the voice queue for the case."""
    queue = await routing.get_queue_or_raise(work, tenant, row.queue_id)
    if queue.active and CHANNEL in queue.channels:
        return queue
    return await routing.entry_queue(work, tenant, CHANNEL, row.case_id)


async def _fail(work: Work, row: Callback, why: str, now: datetime) -> None:
    if await repository.transition(
        work.session,
        row,
        CallbackState.SCHEDULED,
        state=CallbackState.FAILED,
        failure=why,
        updated_at=now,
    ):
        _emit(work, row, "callback.failed", CallbackStatus.FAILED, failure=why)


async def _place_call(
    work: Work, tenant: Tenant, row: Callback, queue: Queue, now: datetime
) -> None:
    case = await cases.get_case_or_raise(work, tenant, row.case_id)
    if case.status not in OPEN_CASE_STATUSES:  # the call is still owed: the case opens again
        await cases.set_status(work, tenant, case, CaseStatus.OPEN)
    case.last_activity_at = now
    customer = await customers.get_customer_or_raise(work, tenant, case.customer_id)
    call = interactions.open_interaction(
        work, tenant, customer, case, channel=CHANNEL, direction=Direction.OUTBOUND,
        subject="Callback", now=now,
    )  # fmt: skip
    hold = (row.window_end_at or now + PREFERRED_HOLD) if row.preferred_agent_id else None
    routing.queue_callback(
        work, call, queue, preferred_agent_id=row.preferred_agent_id, hold_until=hold, now=now
    )
    interactions.add_system_note(work, tenant, call, note_text(row))
    await work.session.flush()  # the call's row first: the callback points at it
    row.interaction_id = call.id
    _emit(work, row, "callback.due", CallbackStatus.QUEUED, queue=queue.name)


def note_text(row: Callback) -> str:
    """What the agent reads on the call (the number is on the callback, shown to those who
    may read phone numbers)."""
    when = f"{row.due_at:%Y-%m-%d %H:%M} UTC"
    if row.window_end_at is not None:
        when += f" (until {row.window_end_at:%Y-%m-%d %H:%M} UTC)"
    text = f"Callback promised for {when}."
    return f"{text}\n{row.note}" if row.note else text


# --- asked for by customers ----------------------------------------------------------------

SETTING = "callback_queue_id"  # the tenant's queue for callbacks customers ask for
NOT_OFFERED = (
    "callbacks are not offered: an administrator sets the tenant's callback_queue_id to an "
    "active queue that takes voice contacts"
)


async def callback_queue(work: Work, tenant: Tenant) -> Queue | None:
    """The queue customers' callback requests wait in; None when callbacks are not offered."""
    raw = tenants.tenant_setting(tenant, SETTING)
    if not raw:
        return None
    try:
        queue = await routing.get_queue_or_raise(work, tenant, uuid.UUID(str(raw)))
    except (ValueError, NotFound):
        return None
    return queue if queue.active and CHANNEL in queue.channels else None


async def check_callback_queue(work: Work, tenant: Tenant, queue_id: uuid.UUID) -> Queue:
    """A queue fit for customers' callback requests: active and taking voice contacts."""
    try:
        queue = await routing.get_queue_or_raise(work, tenant, queue_id)
    except NotFound:
        raise InvalidInput(
            "callback_queue_id names no queue of this tenant", field=SETTING
        ) from None
    if not queue.active or CHANNEL not in queue.channels:
        raise InvalidInput(
            f"the queue '{queue.name}' does not take voice contacts now: callbacks are calls, "
            "choose an active queue with the channel voice",
            field=SETTING,
        )
    return queue


async def setup_warnings(work: Work, tenant: Tenant) -> list[str]:
    """What an administrator should know about callbacks, in words they can act on."""
    if await callback_queue(work, tenant) is not None:
        return []
    if tenants.tenant_setting(tenant, SETTING):
        return [
            "the callback queue is switched off or no longer takes voice contacts, so the help "
            "portal and the web chat do not offer callbacks: set callback_queue_id to an "
            "active voice queue"
        ]
    return [f"the help portal and the web chat do not offer callbacks: {NOT_OFFERED}"]


async def request_from_customer(
    work: Work, tenant: Tenant, request: Interaction, phone: str, note: str
) -> CallbackView:
    """A callback a customer asked for (portal, web chat): due now, made in the tenant's
    callback queue's hours. The request itself needs no agent: it ends at once."""
    queue = await callback_queue(work, tenant)
    if queue is None:
        raise Conflict(NOT_OFFERED)
    now = utcnow()
    row = Callback(
        id=new_id(), tenant_id=tenant.id, case_id=request.case_id,
        customer_id=request.customer_id, source_interaction_id=request.id,
        phone=await check_phone(work, tenant, request.customer_id, phone), due_at=now,
        window_end_at=None, queue_id=queue.id, preferred_agent_id=None, note=note[:2000],
        created_by_id=None, state=CallbackState.SCHEDULED, created_at=now, updated_at=now,
    )  # fmt: skip
    work.session.add(row)
    _enqueue(work, row, now)
    _emit(work, row, "callback.scheduled", CallbackStatus.SCHEDULED, queue=queue.name)
    work.audit(tenant.id, "callback.requested", "callback", row.id, _audit_data(row))
    interactions.step(work, tenant, request, "ended", now=now)
    data = {"auto": True, "callback_id": row.id}
    interactions.step(work, tenant, request, "wrapped_up", data=data, now=now)
    return CallbackView(row, CallbackStatus.SCHEDULED)


# --- answers -------------------------------------------------------------------------------


def present(
    work: Work, access: TenantAccess, views: Sequence[CallbackView], *, reveal: bool
) -> list[CallbackOut]:
    """Callbacks as the caller may see them: the number masked unless revealed to someone who
    may read phone numbers; every reveal is audited as a read of the customer's data."""
    shown = reveal and access.can(Permission.PII_PHONE_READ)
    answers = []
    for view in views:
        row = view.callback
        if shown:
            work.audit(
                access.tenant.id, "customer.pii_read", "customer", row.customer_id,
                {"fields": ["phone"], "callback_id": row.id},
            )  # fmt: skip
        answers.append(
            CallbackOut(
                id=row.id,
                status=view.status,
                case_id=row.case_id,
                customer_id=row.customer_id,
                source_interaction_id=row.source_interaction_id,
                interaction_id=row.interaction_id,
                phone=row.phone if shown else mask(IdentityKind.PHONE, row.phone),
                phone_masked=not shown,
                due_at=row.due_at,
                window_end_at=row.window_end_at,
                queue_id=row.queue_id,
                preferred_agent_id=row.preferred_agent_id,
                note=row.note,
                created_by_id=row.created_by_id,
                failure=row.failure,
                created_at=row.created_at,
                updated_at=row.updated_at,
                cancelled_at=row.cancelled_at,
            )
        )
    return answers
