"""Web chat conversations: start one, write in it, follow it, end it; or leave a message.

A chat starts through the inbound service like any channel's first message, on the channel
"webchat" with a thread of its own; routing offers it to agents. Who the customer is comes
only from a signed identity token: details the visitor types are claims, shown to the agent
as unverified and never used to find an existing customer, so a visitor cannot reach
anything of someone else's by typing their e-mail address. Such a visitor becomes a customer
of their own (identity kind "webchat"), whom an agent may merge once they checked who it is.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from omniline.callbacks import service as callbacks
from omniline.cases import service as cases
from omniline.channels.base import InboundMessage
from omniline.channels.webchat.schemas import (
    CallbackIn,
    FileOut,
    LeaveMessageIn,
    StartIn,
    Status,
    Topic,
    VisitorIdentity,
    VisitorMessage,
)
from omniline.channels.webchat.settings import CHANNEL, WebchatSettings, normalize_origin
from omniline.channels.webchat.tokens import (
    Conversation,
    ConversationSigner,
    Identity,
    verify_identity,
)
from omniline.customers import service as customers
from omniline.customers.identities import IdentityKind, normalize
from omniline.customers.service import IdentityClaim, typed_claims
from omniline.files import service as files
from omniline.inbound import service as inbound
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound, Unauthorized
from omniline.kit.ids import new_id
from omniline.knowledge.text import plain_text
from omniline.models import (
    AuthorKind,
    Direction,
    File,
    Interaction,
    InteractionStatus,
    Message,
    Tenant,
    User,
)
from omniline.portal import visits
from omniline.portal.contact import callback_text, callback_wish
from omniline.realtime.signals import Signal, Signals
from omniline.reasons import service as reasons
from omniline.routing import calendar
from omniline.routing import service as routing
from omniline.tenants.service import zone

FORM_CHANNEL = "webform"
CALLBACK_CHANNEL = "callback"
HISTORY_LIMIT = 500
# an ended chat stays readable to the visitor for a day, then the token no longer opens it
ENDED_VISIBLE = timedelta(hours=24)
S = InteractionStatus
ENDED = (S.ENDED, S.WRAPPED_UP)


# --- before the chat -----------------------------------------------------------------------


def origin_allowed(settings: WebchatSettings, origin: str | None, own_origin: str) -> bool:
    """Whether a browser request from `origin` may use the tenant's chat.

    Requests without an Origin do not come from a page of another site. The server's own
    origin is allowed too: its pages (the help portal, the demo site) carry the widget, and a
    browser sends that Origin only from them.
    """
    if origin is None:
        return True
    try:
        normalized = normalize_origin(origin)
    except ValueError:
        return False
    if normalized in settings.allowed_origins:
        return True
    return normalized == normalize_origin(own_origin)


@dataclass(frozen=True)
class Availability:
    """Whether someone is there to chat, and how long a new chat may wait."""

    open: bool
    busy: bool
    estimated_wait_seconds: int | None


async def availability(work: Work, tenant: Tenant, settings: WebchatSettings) -> Availability:
    """Open while a chat would be answered (an agent can take it, or business hours); busy
    past the tenant's wait. The wait is routing's estimate (`routing.service.estimate_wait`)."""
    now = utcnow()
    queue = await routing.queue_for_channel(work, tenant, CHANNEL)
    if queue is None:  # routing does not serve chats: the tenant's hours decide
        try:
            cal = calendar.parse_calendar(tenant.business_calendar or {})
        except InvalidInput:
            cal = calendar.ALWAYS_OPEN
        return Availability(calendar.is_open(cal, zone(tenant), now), False, None)
    wait = await routing.new_contact_wait(work, tenant, queue, CHANNEL)
    is_open = wait.open_now or wait.free_now > 0
    return Availability(is_open, is_open and wait.seconds > settings.max_wait_seconds, wait.seconds)


async def offers_callbacks(work: Work, tenant: Tenant) -> bool:
    """Whether the visitor may ask for a call back (the tenant has a callback queue)."""
    return await callbacks.callback_queue(work, tenant) is not None


async def topics(work: Work, tenant: Tenant, settings: WebchatSettings) -> list[Topic]:
    """The topics the visitor may choose from, in the order the tenant set them."""
    names = {r.code: r.name for r in await reasons.list_active(work, tenant)}
    return [Topic(code=c, name=names[c]) for c in settings.topics if c in names]


# --- starting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """What the visitor typed, checked; claims only, never proof of who they are."""

    name: str
    email: str
    phone: str
    topic: str


def check_details(
    tenant: Tenant,
    settings: WebchatSettings,
    fields: dict[str, str],
    *,
    identified: bool,
) -> Details:
    """The form's values under the tenant's rules; a 422 naming what is missing or wrong."""
    rules = settings.prechat.model_dump()
    values = {k: (fields.get(k) or "").strip() for k in ("name", "email", "phone", "topic")}
    values = {k: (v if rules[k] != "hidden" else "") for k, v in values.items()}
    # a visitor the site vouches for is not asked who they are
    asked = ("topic",) if identified else ("name", "email", "phone", "topic")
    missing = [k for k in asked if rules[k] == "required" and not values[k]]
    if missing:
        raise InvalidInput(f"fill in: {', '.join(missing)}", fields=missing)
    return _checked(tenant, settings, values)


def _checked(tenant: Tenant, settings: WebchatSettings, values: dict[str, str]) -> Details:
    if values["email"]:
        values["email"] = normalize(IdentityKind.EMAIL, values["email"])
    if values["phone"]:
        values["phone"] = normalize(IdentityKind.PHONE, values["phone"], tenant.default_region)
    if values["topic"] and values["topic"] not in settings.topics:
        raise InvalidInput(f"'{values['topic']}' is not one of the chat's topics")
    return Details(values["name"][:200], values["email"], values["phone"], values["topic"])


@dataclass(frozen=True)
class Started:
    token: str
    interaction: Interaction
    message: Message


async def start(
    work: Work,
    tenant: Tenant,
    settings: WebchatSettings,
    signer: ConversationSigner,
    form: StartIn,
) -> Started:
    """Open a chat with the visitor's first message; returns its conversation token."""
    identity = verify_identity(settings.identity_secret, form.identity)
    details = check_details(tenant, settings, form.model_dump(), identified=identity is not None)
    text = _message_text(form.message)
    claims = identity.claims if identity else _visitor_claims(details)
    topic_name = await _topic_name(work, tenant, settings, details.topic)
    landed = await inbound.accept(
        work,
        tenant,
        InboundMessage(
            channel=CHANNEL,
            external_id=f"webchat:{new_id()}",
            sender=claims,
            sender_name=(identity.name if identity and identity.name else details.name),
            body=text,
            thread_ref=f"webchat:{new_id()}",
            subject=(topic_name or text.splitlines()[0])[:120],
            reason_code=details.topic or None,
        ),
    )
    interaction = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
    note = visitor_note(details, identity is not None, bool(form.identity), form.page, topic_name)
    interactions.add_system_note(work, tenant, interaction, note)
    portal_trail = await visits.hand_over(work, tenant, signer.secret, form.context, interaction.id)
    if portal_trail is not None:  # what they searched and read on the help portal
        interactions.add_system_note(work, tenant, interaction, portal_trail.as_note())
    work.emit(
        tenant.id,
        "webchat.started",
        {
            "verified": identity is not None,
            "identity_refused": bool(form.identity) and identity is None,
            "topic": details.topic or None,
            "language": form.language[:16],
        },
        customer_id=interaction.customer_id,
        case_id=interaction.case_id,
        interaction_id=interaction.id,
    )
    message = await work.session.get(Message, landed.message_id)
    assert message is not None
    conversation = Conversation(interaction.id, interaction.customer_id, identity is not None)
    return Started(signer.token(tenant, conversation), interaction, message)


async def _topic_name(work: Work, tenant: Tenant, settings: WebchatSettings, code: str) -> str:
    found = [t.name for t in await topics(work, tenant, settings) if t.code == code]
    return found[0] if found else code


def _message_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("write a message first")
    return text


def visitor_note(
    details: Details, verified: bool, token_sent: bool, page: str, topic_name: str
) -> str:
    """What the agent reads about the visitor: above all, whether who they are is proven."""
    if verified:
        lines = ["Web chat: the site verified who the visitor is (signed identity)."]
    elif token_sent:
        lines = [
            "Web chat: an identity token came with the chat but did not check out (wrong "
            "signature or expired). Identity NOT verified: treat what the visitor typed as a claim."
        ]
    else:
        lines = ["Web chat: identity NOT verified. The visitor typed these details themselves."]
    for label, value in (
        ("Name", details.name),
        ("E-mail", details.email),
        ("Phone", details.phone),
        ("Topic", topic_name or details.topic),
        ("Page", page[:500]),
    ):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


# --- the conversation ----------------------------------------------------------------------


async def open_conversation(work: Work, tenant: Tenant, conversation: Conversation) -> Interaction:
    """The chat a token names, if it is still the visitor's to read (401 otherwise)."""
    row = await interactions.get_interaction(work.session, tenant.id, conversation.interaction_id)
    gone = Unauthorized("this chat is not available any more: start a new one")
    if row is None or row.channel != CHANNEL:
        raise gone
    if row.customer_id != conversation.customer_id:
        # a merge moves the chat to the surviving customer; the visitor keeps it
        original = await customers.get_customer(work.session, tenant.id, conversation.customer_id)
        survivor = await customers.surviving_customer(work, tenant, original) if original else None
        if survivor is None or survivor.id != row.customer_id:
            raise gone
    if row.ended_at is not None and utcnow() - row.ended_at > ENDED_VISIBLE:
        raise gone
    return row


async def history(work: Work, tenant: Tenant, row: Interaction) -> list[VisitorMessage]:
    """The conversation as the visitor sees it: no internal notes."""
    messages = await interactions.list_messages(
        work.session, row.id, after=None, limit=HISTORY_LIMIT, include_internal=False
    )
    return await present(work, messages)


async def present(work: Work, messages: list[Message]) -> list[VisitorMessage]:
    """Messages as plain text, each agent by first name."""
    names: dict[uuid.UUID, str] = {}
    for author in {m.author_id for m in messages if m.author_id is not None}:
        user = await work.session.get(User, author)
        names[author] = first_name(user.name) if user is not None else ""
    return [_visitor_message(m, names) for m in messages if not m.internal]


def first_name(name: str) -> str:
    """The first word of a person's name: all a visitor learns of who answers them."""
    words = name.split()
    return words[0] if words else ""


def _visitor_message(message: Message, names: dict[uuid.UUID, str]) -> VisitorMessage:
    inbound_ = message.direction == Direction.INBOUND
    text = plain_text(message.body) if "html" in message.content_type else message.body
    author = names.get(message.author_id) if message.author_id is not None else None
    return VisitorMessage(
        id=message.id,
        at=message.created_at,
        sender="visitor" if inbound_ else "agent",
        author=None if inbound_ else (author or None),
        text=text,
        files=[f for f in (_file_out(a) for a in message.attachments) if f is not None],
    )


def _file_out(attachment: dict[str, object]) -> FileOut | None:
    if "file_id" not in attachment:
        return None  # a link another channel brought, not a file of ours
    return FileOut(
        id=uuid.UUID(str(attachment["file_id"])),
        name=str(attachment.get("name", "file")),
        content_type=str(attachment.get("content_type", "")),
        size=int(str(attachment.get("size", 0))),
    )


async def status(work: Work, tenant: Tenant, row: Interaction) -> Status:
    """Where the chat stands: waiting (place and wait), an agent joining, with an agent, ended."""
    if row.status in ENDED:
        return Status(state="ended")
    if row.status in (S.ACTIVE, S.HELD):
        user = await work.session.get(User, row.agent_id) if row.agent_id else None
        return Status(state="active", agent=first_name(user.name) if user else None)
    if row.status == S.OFFERED:
        return Status(state="connecting")
    if row.status == S.QUEUED and row.queue_id is not None:
        place = await routing.position(work, tenant, row)
        return Status(
            state="waiting",
            position=place.position,
            estimated_wait_seconds=place.estimated_wait_seconds,
        )
    return Status(state="waiting")


def _check_open(row: Interaction) -> None:
    if row.status in ENDED:
        raise Conflict("this chat has ended: start a new one")


async def _touch_case(work: Work, tenant: Tenant, row: Interaction) -> None:
    case = await cases.get_case_or_raise(work, tenant, row.case_id)
    case.last_activity_at = utcnow()


async def write(work: Work, tenant: Tenant, row: Interaction, text: str) -> Message:
    """The visitor's message in their chat."""
    _check_open(row)
    await _touch_case(work, tenant, row)
    return interactions.add_message(
        work,
        tenant,
        row,
        interactions.NewMessage(
            direction=Direction.INBOUND,
            author_kind=AuthorKind.CUSTOMER,
            body=_message_text(text),
            external_id=f"webchat:{new_id()}",
        ),
    )


async def send_file(
    work: Work, tenant: Tenant, row: Interaction, data_dir: Path, name: str, data: bytes
) -> Message:
    """A file the visitor sends: checked, stored, and a message carrying it."""
    _check_open(row)
    stored = await files.store_file(
        work, data_dir, tenant.id, name=name, data=data, interaction_id=row.id
    )
    await _touch_case(work, tenant, row)
    return interactions.add_message(
        work,
        tenant,
        row,
        interactions.NewMessage(
            direction=Direction.INBOUND,
            author_kind=AuthorKind.CUSTOMER,
            attachments=[files.attachment(stored, tenant.slug)],
            external_id=f"webchat:{new_id()}",
        ),
    )


async def visitor_file(work: Work, tenant: Tenant, row: Interaction, file_id: uuid.UUID) -> File:
    """A file of the visitor's own chat; any other is not found."""
    found = await files.get_file(work.session, tenant.id, file_id)
    if found is None or found.interaction_id != row.id:
        raise NotFound("file not found")
    return found


async def end(work: Work, tenant: Tenant, row: Interaction) -> None:
    """The visitor leaves: the chat ends (an agent still wraps it up)."""
    if row.status not in ENDED:
        await interactions.do_step(work, tenant, row, "ended")


async def typing(signals: Signals, tenant: Tenant, row: Interaction, *, typing: bool) -> None:
    """Tell the agents the visitor is typing (nothing is stored)."""
    if row.status not in ENDED:
        await signals.publish(Signal(tenant.id, row.id, "typing", "visitor", {"typing": typing}))


# --- a message or a call back instead ------------------------------------------------------


async def leave_message(
    work: Work, tenant: Tenant, settings: WebchatSettings, form: LeaveMessageIn
) -> inbound.Accepted:
    """A written contact ("webform"), answered by e-mail or phone like any written one."""
    identity = verify_identity(settings.identity_secret, form.identity)
    details = _checked(tenant, settings, _fields(form.name, form.email, form.phone, form.topic))
    claims = identity.claims if identity else _contact_claims(details)
    if not claims:
        raise InvalidInput("give an e-mail address or a phone number, so we can answer")
    body = _message_text(form.message)
    note = await _written_note(work, tenant, settings, details, identity is not None, form.page)
    return await _written(work, tenant, FORM_CHANNEL, claims, details, body, note)


async def request_callback(
    work: Work, tenant: Tenant, settings: WebchatSettings, form: CallbackIn
) -> inbound.Accepted:
    """A request to be called back ("callback"), with the number and the best time."""
    identity = verify_identity(settings.identity_secret, form.identity)
    signed = _signed_phone(identity)
    details = _checked(tenant, settings, _fields(form.name, "", form.phone or signed, form.topic))
    if not details.phone:
        raise InvalidInput("give the phone number we should call")
    if await callbacks.callback_queue(work, tenant) is None:
        raise Conflict(callbacks.NOT_OFFERED)
    claims = identity.claims if identity else _contact_claims(details)
    body = callback_text(details.phone, form.when, form.message)
    note = await _written_note(work, tenant, settings, details, identity is not None, form.page)
    landed = await _written(work, tenant, CALLBACK_CHANNEL, claims, details, body, note)
    request = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
    wish = callback_wish("in the web chat", form.when, form.message)
    await callbacks.request_from_customer(work, tenant, request, details.phone, wish)
    return landed


def _signed_phone(identity: Identity | None) -> str:
    """The phone number a signed identity carries ('' without one)."""
    phones = [c.value for c in identity.claims if c.kind == "phone"] if identity else []
    return phones[0] if phones else ""


def who_is(settings: WebchatSettings, token: str) -> VisitorIdentity:
    """What the widget may know of the visitor the site signed in (so it asks nothing again)."""
    identity = verify_identity(settings.identity_secret, token)
    if identity is None:
        return VisitorIdentity(verified=False)
    return VisitorIdentity(verified=True, name=identity.name, phone=bool(_signed_phone(identity)))


def _fields(name: str, email: str, phone: str, topic: str) -> dict[str, str]:
    return {"name": name, "email": email, "phone": phone, "topic": topic}


def _contact_claims(details: Details) -> list[IdentityClaim]:
    """Contact details for a written answer: where to answer, never who the visitor is."""
    return typed_claims(details.email, details.phone)


def _visitor_claims(details: Details) -> list[IdentityClaim]:
    """An anonymous chat's visitor: a customer of their own, with what they typed kept as
    typed identities (an agent may confirm they are someone on file)."""
    return [IdentityClaim("webchat", new_id().hex), *_contact_claims(details)]


async def _written_note(
    work: Work,
    tenant: Tenant,
    settings: WebchatSettings,
    details: Details,
    verified: bool,
    page: str,
) -> str:
    topic_name = await _topic_name(work, tenant, settings, details.topic)
    note = visitor_note(details, verified, False, page, topic_name)
    return note.replace("Web chat:", "Left in the web chat:", 1)


async def _written(
    work: Work,
    tenant: Tenant,
    channel: str,
    claims: list[IdentityClaim],
    details: Details,
    body: str,
    note: str,
) -> inbound.Accepted:
    subject = "Callback request" if channel == CALLBACK_CHANNEL else body.splitlines()[0]
    landed = await inbound.accept(
        work,
        tenant,
        InboundMessage(
            channel=channel,
            external_id=f"webchat:{new_id()}",
            sender=claims,
            sender_name=details.name,
            body=body,
            subject=subject[:120],
            reason_code=details.topic or None,
        ),
    )
    row = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
    interactions.add_system_note(work, tenant, row, note)
    return landed
