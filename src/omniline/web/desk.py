"""The agent desktop: one page per tenant; its live parts are a small JavaScript module.

The page carries what the module needs to start (who the agent is, reasons, queues, break
reasons, canned responses, the texts in the agent's language) as JSON; everything else goes
through the same API and WebSocket any client uses, so the server checks every action.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from omniline.api.deps import WorkDep
from omniline.auth import service as auth
from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.models import ContactReason, Tenant
from omniline.reasons import service as reasons
from omniline.routing import service as routing
from omniline.tenants.service import tenant_setting
from omniline.users.service import list_members
from omniline.web import i18n
from omniline.web.staff import PersonDep, StaffDep, staff_form_token
from omniline.web.templating import render

router = APIRouter(include_in_schema=False)

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
    "Save", "Saved", "Attach a file", "The customer is typing…", "delivery:queued",
    "delivery:sent", "delivery:delivered", "delivery:failed", "delivery:received",
    "Offer a callback", "E-mail summary", "When (empty: as soon as possible)", "Number",
    "the customer's number on file", "I will call back myself", "Note for the call",
    "Schedule the callback", "Callback scheduled", "Callback", "Cancel", "Callback cancelled",
    "Call the customer back on", "To", "Subject", "Text", "Send the e-mail", "Transfer to",
    "Queues", "Colleagues", "state:not_responding", "state:away", "Choose where to transfer",
    "Choose where to transfer first", "The customer has no phone number: add one to call them.",
    "The customer has no phone number, and your role may not add one.", "Kind", "Phone",
    "E-mail", "Phone number or e-mail address", "Add",
    "Queues", "Colleagues", "Needs a reason", "Classify",
    "The wrap-up time ran out: choose the contact's reason.", "agent", "system",
    "staff for the customer", "bot",
    "Verified identity", "Typed by the visitor, not verified",
    "Maybe the same person as", "Confirm: same person", "Dismiss: not the same",
    "Merged", "Dismissed",
)  # fmt: skip


def _reason_rows(rows: list[ContactReason]) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in rows}
    made = []
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id else None
        label = f"{parent.name} / {row.name}" if parent else row.name
        made.append({"code": row.code, "label": label, "id": str(row.id)})
    return sorted(made, key=lambda r: r["label"])


async def _colleagues(work: Work, tenant: Tenant, me: uuid.UUID) -> list[dict[str, str]]:
    """The other agents routing knows (with a profile), to hand a contact to."""
    names = {user.id: user.name for user, _role in await list_members(work, tenant)}
    return sorted(
        (
            {"id": str(view.agent.user_id), "name": names[view.agent.user_id]}
            for view in await routing.agent_views(work, tenant)
            if view.agent.profile_id and view.agent.user_id != me and view.agent.user_id in names
        ),
        key=lambda c: c["name"],
    )


async def desk_data(work: Work, access: TenantAccess, language: str) -> dict[str, Any]:
    """What the desk module needs to start on one tenant, in the agent's language."""
    user = access.principal.user
    assert user is not None  # pages are for people (staff.get_person)
    tenant = access.tenant
    _ = i18n.translator(language)
    agent = await routing.peek_agent(work, tenant, user.id)
    return {
        "tenant": tenant.slug,
        "tenant_name": tenant.name,
        "me": {"id": str(user.id), "name": user.name},
        "state": {"state": str(agent.state), "reason": agent.reason},
        "break_reasons": list(routing.break_reasons(tenant)),
        "reasons": _reason_rows(await reasons.list_active(work, tenant)),
        "queues": [
            {"id": str(q.id), "name": q.name}
            for q in await routing.list_queues(work.session, tenant.id)
        ],
        "colleagues": await _colleagues(work, tenant, user.id),
        # contacts whose wrap-up time ran out without the required reason stay on the desk
        "needs_reason": [
            str(row.id)
            for row in await interactions.list_interactions(
                work.session, tenant.id, after=None, limit=100, agent_id=user.id, needs_reason=True
            )
        ],
        "canned": list(tenant_setting(tenant, "canned_responses") or []),
        "can": {
            "reveal": any(
                access.can(p) for p in (Permission.PII_EMAIL_READ, Permission.PII_PHONE_READ)
            ),
            "send": access.can(Permission.MESSAGES_SEND),
            "transfer": access.can(Permission.INTERACTIONS_WRITE),
            "edit": access.can(Permission.CUSTOMERS_WRITE),
            "merge": access.can(Permission.CUSTOMERS_MERGE),
        },
        "texts": {text: _(text) for text in SCRIPT_TEXTS},
    }


@router.get("/t/{tenant_slug}/desk", response_class=HTMLResponse, response_model=None)
async def desk(page: StaffDep) -> Response:
    """The agent desktop of one tenant; people who do not handle contacts (planners) are
    sent to the page made for them instead of a desk with a state they cannot use."""
    if not page.access.can(Permission.INTERACTIONS_WRITE):
        return RedirectResponse(f"{page.tenant_base}/planning", 303)
    return page.page("staff/desk.html", data=await desk_data(page.work, page.access, page.language))


@router.get("/t/{tenant_slug}/planning", response_class=HTMLResponse)
async def planning(page: StaffDep) -> HTMLResponse:
    """What there is for a workforce planner, until the planning pages come."""
    page.access.require(Permission.INTERACTIONS_READ)
    return page.page("staff/planning.html")


MAX_PROJECTS = 8  # one socket each; more than this is not one person's work


@router.get("/desk/work", response_class=HTMLResponse, response_model=None)
async def desk_of_projects(
    request: Request,
    work: WorkDep,
    person: PersonDep,
    p: Annotated[list[str] | None, Query(max_length=MAX_PROJECTS)] = None,
) -> Response:
    """One desk for several projects: each project's conversations, offers from all of them."""
    chosen = list(dict.fromkeys(p or []))  # in the order given, once each
    if not chosen:
        return RedirectResponse("/desk", 303)
    language = i18n.pick_language(request, "en")
    projects = []
    for slug in chosen:
        access = await auth.access_tenant(work.session, person, slug)  # 404 if not theirs
        access.require(Permission.INTERACTIONS_READ)
        projects.append(await desk_data(work, access, language))
    return render(
        request,
        "staff/workspace.html",
        language,
        person=person.user,
        projects=projects,
        form_token=staff_form_token(request),
    )
