"""A sample company site with the chat widget on it, served in dev mode for the demo.

Open /demo/site as a customer and the agent desk (/desk) in another window as an agent,
and chat with yourself. /demo/site/other is a second page: the chat goes on there. With
?as=maja the page passes an identity token signed with the tenant's identity secret, as a
site does for a customer who is logged in.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from omniline.api.deps import WorkDep
from omniline.channels.webchat.settings import read_settings
from omniline.channels.webchat.tokens import sign_identity
from omniline.demo import CUSTOMERS, DEMO_SLUG
from omniline.kit.errors import NotFound
from omniline.models import Tenant
from omniline.tenants.service import get_tenant
from omniline.web import i18n
from omniline.web.templating import render

router = APIRouter(prefix="/demo/site", include_in_schema=False)

# the demo's logged-in customer: Maja Kowalska, who has a history with the bank
SIGNED_AS = {"maja": CUSTOMERS[0]}
AsParam = Annotated[str, Query(alias="as", max_length=20)]


async def _tenant(work: WorkDep) -> Tenant:
    tenant = await get_tenant(work.session, DEMO_SLUG)
    if tenant is None:
        raise NotFound("the demo tenant is not here: start with `omniline serve --demo`")
    return tenant


def _identity(tenant: Tenant, who: str) -> str:
    """A signed identity for ?as=maja (none when the tenant has no identity secret)."""
    secret = read_settings(tenant).identity_secret
    customer = SIGNED_AS.get(who)
    if customer is None or secret is None:
        return ""
    claims = {"email": customer.email, "name": customer.name}
    return sign_identity(secret, claims, ttl_seconds=8 * 3600)


def _page(request: Request, tenant: Tenant, which: str, who: str) -> HTMLResponse:
    language = i18n.pick_language(request, tenant.default_language)
    identity = _identity(tenant, who)
    return render(
        request,
        "demo/site.html",
        language,
        tenant=tenant,
        which=which,
        identity=identity,
        signed_as=SIGNED_AS[who].name if identity else "",
        query=f"?as={who}" if identity else "",
    )


@router.get("", response_class=HTMLResponse)
async def home(request: Request, work: WorkDep, who: AsParam = "") -> HTMLResponse:
    return _page(request, await _tenant(work), "home", who)


@router.get("/other", response_class=HTMLResponse)
async def other(request: Request, work: WorkDep, who: AsParam = "") -> HTMLResponse:
    return _page(request, await _tenant(work), "other", who)
