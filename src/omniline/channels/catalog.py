"""The channels a tenant has: the built-in ones, and its enabled channel accounts.

One list, used wherever a channel is named from outside (inbound messages, cases and
contacts opened by hand, queues): a name that is not on it is refused with the list, so a
contact never lands on a channel nobody can know about.
"""

from omniline.channels import repository
from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput
from omniline.models import Tenant

# channels every tenant has without configuring an account: forms and apps posting through
# the API, the shipped channels, and contacts people register by hand
BUILT_IN = frozenset(
    {
        "app",
        "branch",
        "callback",  # a request to be called back, written down (portal, chat)
        "chat",
        "email",
        "offline",  # a case opened by hand names no channel
        "phone",
        "post",
        "sms",
        "telegram",
        "video",
        "voice",
        "webchat",
        "webform",
        "whatsapp",
    }
)


async def tenant_channels(work: Work, tenant: Tenant) -> frozenset[str]:
    """Every channel name the tenant may use."""
    return BUILT_IN | await repository.account_channels(work.session, tenant.id)


def check_channel(known: frozenset[str], name: str) -> str:
    """The name, if it is one of the tenant's channels; else a 422 that lists them."""
    if name not in known:
        raise InvalidInput(
            f"'{name}' is not a channel of this tenant; its channels are "
            f"{', '.join(sorted(known))} (add a channel account for another)",
            channels=sorted(known),
        )
    return name


async def check_tenant_channel(work: Work, tenant: Tenant, name: str) -> str:
    """`check_channel` against the tenant's channels, read now."""
    return check_channel(await tenant_channels(work, tenant), name)
