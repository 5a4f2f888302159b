"""A sample company site with the chat widget on it, served in dev mode for the demo.

Open /demo/site as a customer and the agent desk (/desk) in another window as an agent,
and chat with yourself. /demo/site/other is a second page: the chat goes on there. With
?as=maja the page passes an identity token signed with the tenant's identity secret, as a
site does for a customer who is logged in. ?bank=<slug> shows another tenant seeded like the
demo (the browser tests give each test its own).
"""

from typing import Annotated
from urllib.parse import urlencode

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
BankParam = Annotated[str, Query(max_length=63)]


async def _tenant(work: WorkDep, bank: BankParam = DEMO_SLUG) -> Tenant:
    tenant = await get_tenant(work.session, bank)
    if tenant is None:
        raise NotFound("the demo tenant is not here: start with `omniline serve --demo`")
    return tenant


def _query(tenant: Tenant, who: str) -> str:
    """What the site's links carry along: the signed-in customer and a bank not the demo's."""
    params = {"as": who} if who else {}
    if tenant.slug != DEMO_SLUG:
        params["bank"] = tenant.slug
    return f"?{urlencode(params)}" if params else ""


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
        query=_query(tenant, who if identity else ""),
        anonymous=_query(tenant, ""),
        signed=_query(tenant, "maja"),
    )


@router.get("", response_class=HTMLResponse)
async def home(
    request: Request, work: WorkDep, who: AsParam = "", bank: BankParam = DEMO_SLUG
) -> HTMLResponse:
    return _page(request, await _tenant(work, bank), "home", who)


@router.get("/other", response_class=HTMLResponse)
async def other(
    request: Request, work: WorkDep, who: AsParam = "", bank: BankParam = DEMO_SLUG
) -> HTMLResponse:
    return _page(request, await _tenant(work, bank), "other", who)
