"""The agent desktop: one page per tenant; its live parts are a small JavaScript module.

The page carries what the module needs to start (who the agent is, reasons, queues, break
reasons, canned responses, the texts in the agent's language) as JSON; everything else goes
through the same API and WebSocket any client uses, so the server checks every action.
"""

from typing import Any

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from omniline.auth.permissions import Permission
from omniline.models import ContactReason
from omniline.reasons import service as reasons
from omniline.routing import service as routing
from omniline.tenants.service import tenant_setting
from omniline.web import i18n
from omniline.web.staff import StaffDep

router = APIRouter(prefix="/t/{tenant_slug}", include_in_schema=False)

# texts the module shows; translated here, so the module needs no catalog of its own
SCRIPT_TEXTS = (
    "Accept", "Decline", "New contact", "seconds left", "Reply", "Internal note", "Send",
    "End contact", "Wrap up", "Reason (required)", "Resolved", "Transfer to queue",
    "Transfer", "Customer", "Reveal", "History", "Knowledge", "Search articles",
    "Send to customer", "Guideline", "Solution", "Suggested", "Canned response",
    "Wrap-up time left", "No conversations yet. Set yourself available to receive contacts.",
    "Connection lost: reconnecting…",
    "Choose a reason first", "Available", "Break", "Offline", "you", "internal", "customer",
    "Messages", "Nothing found", "Sent", "This contact ended.", "Unverified identity",
    "Close", "Open", "status:active", "status:held", "status:ended", "status:wrapped_up",
    "status:queued", "status:offered", "status:created", "Continue by phone", "Customer name",
    "Save", "Saved", "Attach a file", "The customer is typing…",
)  # fmt: skip


def _reason_rows(rows: list[ContactReason]) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in rows}
    made = []
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id else None
        label = f"{parent.name} / {row.name}" if parent else row.name
        made.append({"code": row.code, "label": label, "id": str(row.id)})
    return sorted(made, key=lambda r: r["label"])


@router.get("/desk", response_class=HTMLResponse)
async def desk(page: StaffDep) -> HTMLResponse:
    """The agent desktop of one tenant."""
    access = page.access
    access.require(Permission.INTERACTIONS_READ)
    user = access.principal.user
    assert user is not None  # pages are for people (staff.get_person)
    tenant = access.tenant
    _ = i18n.translator(page.language)
    agent = await routing.peek_agent(page.work, tenant, user.id)
    data = {
        "tenant": tenant.slug,
        "me": {"id": str(user.id), "name": user.name},
        "state": {"state": str(agent.state), "reason": agent.reason},
        "break_reasons": list(routing.break_reasons(tenant)),
        "reasons": _reason_rows(await reasons.list_active(page.work, tenant)),
        "queues": [
            {"id": str(q.id), "name": q.name}
            for q in await routing.list_queues(page.work.session, tenant.id)
        ],
        "canned": list(tenant_setting(tenant, "canned_responses") or []),
        "can": {
            "reveal": any(
                access.can(p) for p in (Permission.PII_EMAIL_READ, Permission.PII_PHONE_READ)
            ),
            "send": access.can(Permission.MESSAGES_SEND),
            "transfer": access.can(Permission.INTERACTIONS_WRITE),
            "edit": access.can(Permission.CUSTOMERS_WRITE),
        },
        "texts": {text: _(text) for text in SCRIPT_TEXTS},
    }
    return page.page("staff/desk.html", data=data)
