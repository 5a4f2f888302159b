"""The supervisor's wallboard: queues and agents live, changing states, moving waiting contacts
and placing unrouted ones (contacts no queue can take) in a queue.

Like the desk, the page carries its start-up data as JSON and its module uses the public API
and the tenant's WebSocket; the numbers come from `/queue-stats` and `/agents`, refreshed
when events say something changed.
"""

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from omniline.auth.permissions import Permission
from omniline.routing import service as routing
from omniline.users.service import list_members
from omniline.web import i18n
from omniline.web.staff import StaffDep

router = APIRouter(prefix="/t/{tenant_slug}", include_in_schema=False)

SCRIPT_TEXTS = (
    "Queue", "Waiting", "Longest wait", "Service level today", "Answered today",
    "Abandoned today", "Agents available", "Agents staffed", "Agent", "State", "Since",
    "Contacts", "Change state", "Move to", "Move", "Waiting contacts", "Available", "Break",
    "Offline", "presence:available", "presence:on_contact", "presence:wrap_up",
    "presence:break", "presence:not_responding", "presence:offline",
    "Connection lost: reconnecting…", "Nobody is waiting.", "Updated", "Routing profile",
    "No profile", "Channel", "min", "h", "d", "(no subject)", "reason:missed_offer",
    "presence:away", "Their contacts", "Take over", "Re-queue", "no desk open", "why:desk_closed",
    "why:desk_silent", "why:no_desk",
    "No profile", "Channel", "Contact", "Since", "Reason", "Place in", "Place",
    "Nothing is unrouted.",
)  # fmt: skip


@router.get("/wallboard", response_class=HTMLResponse)
async def wallboard(page: StaffDep) -> HTMLResponse:
    """Queues and agents of one tenant, live."""
    page.access.require(Permission.ROUTING_SUPERVISE)
    tenant = page.access.tenant
    _ = i18n.translator(page.language)
    members = await list_members(page.work, tenant)
    data = {
        "tenant": tenant.slug,
        "me": str(page.access.actor.user_id),
        "people": {str(user.id): user.name for user, _role in members},
        "break_reasons": list(routing.break_reasons(tenant)),
        "queues": [
            {"id": str(q.id), "name": q.name}
            for q in await routing.list_queues(page.work.session, tenant.id)
        ],
        "profiles": [
            {"id": str(p.id), "name": p.name}
            for p in await routing.list_profiles(page.work.session, tenant.id)
        ],
        "texts": {text: _(text) for text in SCRIPT_TEXTS},
    }
    return page.page("staff/wallboard.html", data=data)
