"""'Still need help?': a web-form message or a callback request from the portal becomes a
contact, with what the visitor searched and read attached as an internal note for the agent.

What the visitor types proves nothing: the contact goes to a customer of its own, and a
customer on file with the same e-mail or phone is only suggested to the agent (see
`customers.service.resolve_customer`)."""

from dataclasses import dataclass
from datetime import timedelta

from omniline.callbacks import service as callbacks
from omniline.channels.base import InboundMessage
from omniline.customers.service import typed_claims
from omniline.inbound import service as inbound
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.errors import Conflict, InvalidInput
from omniline.kit.ids import new_id
from omniline.limits import service as limits
from omniline.models import PortalVisit, Tenant
from omniline.portal.visits import EventKind, mark_contacted, trail

FORM_CHANNEL = "webform"
CALLBACK_CHANNEL = "callback"
MESSAGE_LIMIT = 5000
# the form is public: one address may not open contacts without end
CONTACTS = limits.Limit(
    "portal.contact",
    5,
    timedelta(hours=1),
    "we already received several requests from here this hour: "
    "we will answer them; please wait before sending more",
)


@dataclass(frozen=True)
class ContactForm:
    """What the visitor filled in; `kind` is "message" or "callback"."""

    kind: str
    name: str
    email: str
    phone: str
    reason_code: str | None
    message: str
    when: str = ""  # a callback's preferred time, in the visitor's words


def check_form(form: ContactForm) -> None:
    """A clear 422 for what is missing."""
    if form.kind == "callback" and not form.phone.strip():
        raise InvalidInput("give the phone number we should call")
    if not form.email.strip() and not form.phone.strip():
        raise InvalidInput("give an e-mail address or a phone number, so we can answer")
    if form.kind == "message" and not form.message.strip():
        raise InvalidInput("write what we can help with")
    if len(form.message) > MESSAGE_LIMIT:
        raise InvalidInput(f"the message is longer than {MESSAGE_LIMIT} characters")


def callback_text(phone: str, when: str, message: str) -> str:
    """What a callback request says to the agent (from the portal or the chat)."""
    lines = [f"Please call me back on {phone.strip()}."]
    if when.strip():
        lines.append(f"Best time: {when.strip()[:200]}")
    if message.strip():
        lines.append(message.strip())
    return "\n".join(lines)


def callback_wish(source: str, when: str, message: str) -> str:
    """The note a requested callback carries to the agent (the number is on the callback,
    shown to those who may read phone numbers)."""
    lines = [f"Asked for {source}."]
    if when.strip():
        lines.append(f"Best time: {when.strip()[:200]}")
    if message.strip():
        lines.append(message.strip())
    return "\n".join(lines)


def _body(form: ContactForm) -> str:
    if form.kind != "callback":
        return form.message.strip()
    return callback_text(form.phone, form.when, form.message)


async def request_contact(
    work: Work, tenant: Tenant, visit: PortalVisit, form: ContactForm, client: str
) -> inbound.Accepted:
    """Store the request as an inbound contact (routed like any other) with the visit's trail."""
    check_form(form)
    callback = form.kind == "callback"
    if callback and await callbacks.callback_queue(work, tenant) is None:
        raise Conflict(callbacks.NOT_OFFERED)
    await limits.hit(work, tenant, CONTACTS, client)
    subject = "Callback request" if callback else (form.message.strip().splitlines() or [""])[0]
    landed = await inbound.accept(
        work,
        tenant,
        InboundMessage(
            channel=CALLBACK_CHANNEL if callback else FORM_CHANNEL,
            external_id=f"portal:{new_id()}",
            sender=typed_claims(form.email, form.phone),  # never someone else's case
            sender_name=form.name.strip()[:200],
            body=_body(form),
            subject=subject[:120],
            reason_code=form.reason_code or None,
        ),
    )
    interaction = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
    context = await trail(work, visit)
    interactions.add_system_note(work, tenant, interaction, context.as_note())
    if callback:  # a real callback in the tenant's callback queue; the request is recorded
        wish = callback_wish("on the help portal", form.when, form.message)
        await callbacks.request_from_customer(work, tenant, interaction, form.phone, wish)
    mark_contacted(
        work, visit, landed.interaction_id, EventKind.CALLBACK if callback else EventKind.CONTACT
    )
    return landed
