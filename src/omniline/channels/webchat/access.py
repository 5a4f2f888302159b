"""Who may use a tenant's chat: the chat must be on, and a browser's page must be allowed."""

from omniline.channels.webchat import service
from omniline.channels.webchat.settings import WebchatSettings, read_settings
from omniline.journal.work import Work
from omniline.kit.errors import Forbidden, NotFound
from omniline.models import Tenant
from omniline.tenants.service import get_tenant


def own_origin(scheme: str, host: str | None) -> str:
    """This server's origin as the request reached it (ws schemes read as http ones)."""
    web = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return f"{web}://{host or 'localhost'}"


async def open_chat(work: Work, tenant_ref: str) -> tuple[Tenant, WebchatSettings]:
    """A tenant with its chat switched on, or 404."""
    tenant = await get_tenant(work.session, tenant_ref)
    settings = read_settings(tenant) if tenant is not None else None
    if tenant is None or settings is None or not settings.enabled:
        raise NotFound("there is no web chat here")
    return tenant, settings


def check_origin(origin: str | None, settings: WebchatSettings, own: str) -> None:
    """403 for a page of a site the tenant did not allow."""
    if not service.origin_allowed(settings, origin, own):
        raise Forbidden(
            "this site may not use the chat: an administrator adds its origin to the chat's "
            "allowed origins"
        )
