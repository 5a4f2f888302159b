"""The web chat's services: who the visitor is, what they see, and what they leave behind."""

import uuid

import httpx
import pytest
from sqlalchemy import select

from omniline.channels.base import AccountConfig, OutboundMessage
from omniline.channels.webchat import service
from omniline.channels.webchat.adapter import WebchatChannel
from omniline.channels.webchat.schemas import CallbackIn, LeaveMessageIn, StartIn
from omniline.channels.webchat.settings import (
    PrechatFields,
    WebchatConfig,
    WebchatSettings,
    normalize_origin,
    read_settings,
    save_settings,
)
from omniline.channels.webchat.texts import TEXTS, pick_language
from omniline.channels.webchat.tokens import (
    Conversation,
    ConversationSigner,
    sign_identity,
    verify_identity,
)
from omniline.customers.service import Assurance, IdentityClaim
from omniline.interactions import service as interactions
from omniline.journal.actor import Actor, ActorType
from omniline.kit.errors import Conflict, InvalidInput, Unauthorized
from omniline.models import (
    ChannelAccount,
    CustomerIdentity,
    DeliveryStatus,
    Interaction,
    MergeSuggestion,
    Message,
    Tenant,
)
from omniline.runtime import Runtime
from tests.channels.webchat.helpers import offer_callbacks
from tests.conftest import World
from tests.jobs.helpers import MovableClock

SECRET = "s3cret-identity"


async def _configure(runtime: Runtime, tenant_id: uuid.UUID, **config: object) -> Tenant:
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, tenant_id)
    base: dict[str, object] = {"enabled": True, "allowed_origins": ["https://shop.example"]}
    await save_settings(work, tenant, WebchatConfig.model_validate({**base, **config}))
    settings = read_settings(tenant)
    tenant.settings = {
        **tenant.settings,
        "webchat": {**settings.model_dump(mode="json"), "identity_secret": SECRET},
    }
    await work.commit()
    await work.session.close()
    return tenant


async def _start(runtime: Runtime, tenant_id: uuid.UUID, form: StartIn) -> service.Started:
    work = runtime.work()
    try:
        tenant = await work.session.get_one(Tenant, tenant_id)
        signer = ConversationSigner(runtime.settings.secret_key)
        started = await service.start(work, tenant, read_settings(tenant), signer, form)
        await work.commit()
        return started
    finally:
        await work.session.close()


async def _existing_customer(client: httpx.AsyncClient, world: World, email: str) -> str:
    """A customer who wrote in before by e-mail, with a message only they should see."""
    payload = {
        "channel": "email",
        "external_id": f"mail-{uuid.uuid4()}",
        "sender": {"name": "Maja", "identities": [{"kind": "email", "value": email}]},
        "body": "My account number is 12345678 and my PIN hint is 'blue'",
    }
    landed = await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))
    assert landed.status_code == 200, landed.text
    return str(landed.json()["customer_id"])


# --- pure parts ----------------------------------------------------------------------------


def test_origins_are_read_as_browsers_send_them() -> None:
    assert normalize_origin("HTTPS://Shop.Example:443/") == "https://shop.example"
    assert normalize_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for bad in ("shop.example", "ftp://shop.example", "https://shop.example/path", ""):
        with pytest.raises(ValueError, match="origin"):
            normalize_origin(bad)


def test_an_origin_is_allowed_when_listed_or_our_own() -> None:
    settings = WebchatSettings(enabled=True, allowed_origins=["https://shop.example"])
    own = "http://127.0.0.1:8123"
    assert service.origin_allowed(settings, "https://shop.example", own)
    assert service.origin_allowed(settings, None, own)  # not a browser page
    assert not service.origin_allowed(settings, "https://evil.example", own)
    assert not service.origin_allowed(settings, "null", own)
    assert service.origin_allowed(settings, own, own)  # our help portal carries the widget


def test_identity_tokens_check_out_only_with_the_secret_and_in_time() -> None:
    token = sign_identity(SECRET, {"email": "maja@example.com", "name": "Maja K"})
    identity = verify_identity(SECRET, token)
    assert identity is not None
    assert identity.claims == [IdentityClaim("email", "maja@example.com", Assurance.VERIFIED)]
    assert identity.name == "Maja K"
    assert verify_identity("another secret", token) is None
    assert verify_identity(None, token) is None
    payload, _, signature = token.partition(".")
    forged = sign_identity(SECRET, {"email": "someone.else@example.com"}).split(".")[0]
    assert verify_identity(SECRET, f"{forged}.{signature}") is None
    assert verify_identity(SECRET, f"{payload}.") is None
    expired = sign_identity(SECRET, {"email": "maja@example.com"}, ttl_seconds=-10)
    assert verify_identity(SECRET, expired) is None
    assert verify_identity(SECRET, sign_identity(SECRET, {"name": "no identity"})) is None


def test_conversation_tokens_belong_to_one_tenant_and_installation() -> None:
    acme = Tenant(id=uuid.uuid4(), slug="acme", name="Acme")
    globex = Tenant(id=uuid.uuid4(), slug="globex", name="Globex")
    signer = ConversationSigner("installation secret")
    conversation = Conversation(uuid.uuid4(), uuid.uuid4(), verified=False)
    token = signer.token(acme, conversation)
    assert signer.read(acme, token) == conversation
    assert signer.read(globex, token) is None
    assert ConversationSigner("another installation").read(acme, token) is None
    assert signer.read(acme, token[:-2] + "xx") is None
    assert signer.read(acme, "") is None


def test_every_widget_text_exists_in_every_language_with_the_same_placeholders() -> None:
    import re

    english = TEXTS["en"]
    for language in ("ru", "pl"):
        assert set(TEXTS[language]) == set(english), language
        for key, text in english.items():
            assert set(re.findall(r"{\w+}", TEXTS[language][key])) == set(
                re.findall(r"{\w+}", text)
            ), (language, key)
    assert pick_language("pl-PL", None, "en") == "pl"
    assert pick_language("de", "ru-RU,ru;q=0.9", "en") == "ru"
    assert pick_language("", "de", "pl") == "pl"
    assert pick_language(None, None, "de") == "en"


def test_the_prechat_form_follows_the_tenants_rules() -> None:
    tenant = Tenant(id=uuid.uuid4(), slug="acme", name="Acme", default_region="GB")
    settings = WebchatSettings(
        enabled=True,
        prechat=PrechatFields(name="required", email="required", phone="optional"),
        topics=["cards"],
    )
    fields = {"name": "", "email": "", "phone": "", "topic": ""}
    with pytest.raises(InvalidInput) as missing:
        service.check_details(tenant, settings, fields, identified=False)
    assert missing.value.details["fields"] == ["name", "email"]
    # a visitor the site vouches for is not asked who they are
    assert service.check_details(tenant, settings, fields, identified=True).name == ""
    with pytest.raises(InvalidInput, match="not an e-mail"):
        service.check_details(
            tenant, settings, {**fields, "name": "A", "email": "nope"}, identified=False
        )
    with pytest.raises(InvalidInput, match="topics"):
        service.check_details(
            tenant,
            settings,
            {**fields, "name": "A", "email": "a@example.com", "topic": "loans"},
            identified=False,
        )
    made = service.check_details(
        tenant,
        settings,
        {"name": " Ada ", "email": "Ada@Example.com", "phone": "07700 900123", "topic": "cards"},
        identified=False,
    )
    assert (made.name, made.email, made.phone) == ("Ada", "ada@example.com", "+447700900123")


async def test_the_adapter_delivers_what_is_stored() -> None:
    channel = WebchatChannel()
    account = AccountConfig(uuid.uuid4(), "webchat", "webchat")
    message_id = uuid.uuid4()
    outbound = OutboundMessage(uuid.uuid4(), message_id, uuid.uuid4(), "webchat", [], "Hi")
    result = await channel.send(account, outbound)
    assert result.delivered
    assert result.external_id == f"webchat:{message_id}"
    assert channel.capabilities.realtime
    assert channel.capabilities.typing


# --- with the database ---------------------------------------------------------------------


async def test_an_unsigned_claim_never_lands_on_an_existing_customer(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    existing = await _existing_customer(client, world, "maja@example.com")
    await _configure(runtime, world.tenant.id, prechat={"email": "optional"})
    started = await _start(
        runtime,
        world.tenant.id,
        StartIn(name="Maja", email="maja@example.com", message="What is my balance?"),
    )
    assert str(started.interaction.customer_id) != existing
    async with runtime.sessions() as session:
        identities = list(
            await session.scalars(
                select(CustomerIdentity).where(
                    CustomerIdentity.customer_id == started.interaction.customer_id
                )
            )
        )
        # the typed address is kept as typed (where to answer), never as proof; the customer
        # on file who holds it is only suggested
        kept = sorted((i.kind, i.typed, i.verified) for i in identities)
        assert kept == [("email", True, False), ("webchat", False, False)]
        [suggested] = list(await session.scalars(select(MergeSuggestion)))
        assert str(suggested.candidate_id) == existing
        assert suggested.customer_id == started.interaction.customer_id
        notes = list(
            await session.scalars(
                select(Message).where(
                    Message.interaction_id == started.interaction.id, Message.internal.is_(True)
                )
            )
        )
    [note] = notes
    assert "NOT verified" in note.body
    assert "E-mail: maja@example.com" in note.body
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    seen = await service.history(work, tenant, started.interaction)
    await work.session.close()
    assert [m.text for m in seen] == ["What is my balance?"]  # nothing of Maja's e-mail


async def test_a_signed_identity_lands_on_the_existing_customer(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    existing = await _existing_customer(client, world, "maja@example.com")
    await _configure(runtime, world.tenant.id)
    token = sign_identity(SECRET, {"email": "Maja@Example.com", "name": "Maja K"})
    started = await _start(
        runtime, world.tenant.id, StartIn(message="Hello again", identity=token, name="")
    )
    assert str(started.interaction.customer_id) == existing
    conversation = ConversationSigner(runtime.settings.secret_key).read(world.tenant, started.token)
    assert conversation is not None
    assert conversation.verified
    async with runtime.sessions() as session:
        note = await session.scalar(
            select(Message.body).where(
                Message.interaction_id == started.interaction.id, Message.internal.is_(True)
            )
        )
    assert note is not None
    assert "verified who the visitor is" in note
    # the visitor sees their chat only, even though the customer has more history
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    seen = await service.history(work, tenant, started.interaction)
    await work.session.close()
    assert [m.text for m in seen] == ["Hello again"]


async def test_a_forged_identity_is_a_claim_and_the_agent_is_told(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    existing = await _existing_customer(client, world, "maja@example.com")
    await _configure(runtime, world.tenant.id)
    forged = sign_identity("not the tenant's secret", {"email": "maja@example.com"})
    started = await _start(
        runtime, world.tenant.id, StartIn(name="Eve", message="Hi", identity=forged)
    )
    assert str(started.interaction.customer_id) != existing
    async with runtime.sessions() as session:
        note = await session.scalar(
            select(Message.body).where(
                Message.interaction_id == started.interaction.id, Message.internal.is_(True)
            )
        )
    assert note is not None
    assert "did not check out" in note


async def test_history_hides_internal_notes_and_names_agents_by_first_name(
    world: World, runtime: Runtime
) -> None:
    await _configure(runtime, world.tenant.id)
    started = await _start(runtime, world.tenant.id, StartIn(name="Ada", message="Hello"))
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    row = await interactions.get_interaction_or_raise(work, tenant, started.interaction.id)
    work.actor = Actor(ActorType.USER, world.users["agent"].id)
    interactions.reply(work, tenant, row, body="Customer seems upset", internal=True)
    interactions.reply(work, tenant, row, body="<p>Hello <b>Ada</b></p>", content_type="text/html")
    await work.commit()
    seen = await service.history(work, tenant, row)
    await work.session.close()
    assert [(m.sender, m.author, m.text) for m in seen] == [
        ("visitor", None, "Hello"),
        ("agent", "Agent", "Hello Ada"),  # the agent's name is "Agent" in the test world
    ]


async def test_the_visitor_cannot_write_in_an_ended_chat_and_loses_it_a_day_later(
    world: World, runtime: Runtime, clock: MovableClock
) -> None:
    await _configure(runtime, world.tenant.id)
    started = await _start(runtime, world.tenant.id, StartIn(name="Ada", message="Hello"))
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    row = await interactions.get_interaction_or_raise(work, tenant, started.interaction.id)
    await service.end(work, tenant, row)
    await work.commit()
    assert (await service.status(work, tenant, row)).state == "ended"
    with pytest.raises(Conflict, match="ended"):
        await service.write(work, tenant, row, "anyone?")
    conversation = Conversation(row.id, row.customer_id, verified=False)
    assert (await service.open_conversation(work, tenant, conversation)).id == row.id
    clock.advance(hours=25)
    with pytest.raises(Unauthorized):
        await service.open_conversation(work, tenant, conversation)
    await work.session.close()


async def test_waiting_visitors_learn_their_place_in_the_queue(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await _configure(runtime, world.tenant.id)
    queue = await client.post(
        "/api/v1/tenants/acme/queues",
        json={"name": "chat", "channels": ["webchat"], "calendar": {}},
        headers=world.auth("admin"),
    )
    assert queue.status_code == 201, queue.text
    first = await _start(runtime, world.tenant.id, StartIn(name="A", message="one"))
    second = await _start(runtime, world.tenant.id, StartIn(name="B", message="two"))
    await runtime.router.settle()
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    places = []
    for started in (first, second):
        row = await work.session.get_one(Interaction, started.interaction.id)
        await work.session.refresh(row)
        places.append(await service.status(work, tenant, row))
    now = await service.availability(work, tenant, read_settings(tenant))
    await work.session.close()
    assert [(p.state, p.position) for p in places] == [("waiting", 1), ("waiting", 2)]
    assert places[1].estimated_wait_seconds is not None
    assert places[1].estimated_wait_seconds > places[0].estimated_wait_seconds  # type: ignore[operator]
    # nobody is available and the queue is always open: a third would wait behind two
    assert now.open
    assert now.estimated_wait_seconds == 900
    assert now.busy  # longer than the 600 seconds the tenant allows


async def test_availability_follows_business_hours_without_routing(
    world: World, runtime: Runtime
) -> None:
    await _configure(runtime, world.tenant.id)
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    tenant.business_calendar = {}  # no hours set: always open
    assert (await service.availability(work, tenant, read_settings(tenant))).open
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    tenant.business_calendar = {"week": {day: [] for day in days}}  # never open
    now = await service.availability(work, tenant, read_settings(tenant))
    await work.session.close()
    assert not now.open
    assert not now.busy


async def test_a_message_or_a_callback_becomes_a_written_contact(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await _configure(runtime, world.tenant.id)
    await offer_callbacks(client, world)
    work = runtime.work()
    tenant = await work.session.get_one(Tenant, world.tenant.id)
    settings = read_settings(tenant)
    with pytest.raises(InvalidInput, match="e-mail address or a phone"):
        await service.leave_message(work, tenant, settings, LeaveMessageIn(message="Hi"))
    left = await service.leave_message(
        work,
        tenant,
        settings,
        LeaveMessageIn(name="Ada", email="ada@example.com", message="Please write back"),
    )
    called = await service.request_callback(
        work, tenant, settings, CallbackIn(name="Ada", phone="07700 900123", when="after 5pm")
    )
    await work.commit()
    rows = {
        r.channel: r
        for r in [
            await work.session.get_one(Interaction, left.interaction_id),
            await work.session.get_one(Interaction, called.interaction_id),
        ]
    }
    bodies = {
        channel: [
            m.body
            for m in await interactions.list_messages(
                work.session, row.id, after=None, limit=10, include_internal=True
            )
        ]
        for channel, row in rows.items()
    }
    await work.session.close()
    assert set(rows) == {"webform", "callback"}
    assert bodies["webform"][0] == "Please write back"
    assert "Left in the web chat" in bodies["webform"][1]
    assert bodies["callback"][0] == "Please call me back on +447700900123.\nBest time: after 5pm"


async def test_replies_go_out_through_the_webchat_adapter_and_count_as_delivered(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await _configure(runtime, world.tenant.id)
    async with runtime.sessions() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.tenant_id == world.tenant.id)
        )
    assert account is not None
    assert (account.kind, account.name) == ("webchat", "webchat")
    started = await _start(runtime, world.tenant.id, StartIn(name="Ada", message="Hello"))
    reply = await client.post(
        f"/api/v1/tenants/acme/interactions/{started.interaction.id}/messages",
        json={"body": "Hi Ada"},
        headers=world.auth("agent"),
    )
    assert reply.status_code == 201, reply.text
    assert await runtime.worker.run_due() == 1
    async with runtime.sessions() as session:
        sent = await session.get_one(Message, uuid.UUID(reply.json()["id"]))
    assert sent.delivery_status == DeliveryStatus.DELIVERED
