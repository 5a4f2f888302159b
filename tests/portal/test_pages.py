"""The help portal through HTTP: browse, search, read, vote, ask for help; deflection numbers."""

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from omniline.kit.clock import utcnow
from omniline.models import Case, Interaction, Message, PortalVisit
from omniline.portal.contact import CONTACTS
from omniline.portal.visits import VISIT_IDLE
from omniline.runtime import Runtime
from tests.channels.webchat.helpers import offer_callbacks
from tests.conftest import World

API = "/api/v1/tenants/acme"
HELP = "/help/acme"
XSS = "<img src=x onerror=alert(1)>"


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


async def _api(client: httpx.AsyncClient, world: World, method: str, path: str, **kw: Any) -> Any:
    response = await client.request(method, API + path, headers=world.auth("supervisor"), **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def publish(
    client: httpx.AsyncClient, world: World, title: str, body: str, **fields: Any
) -> dict[str, Any]:
    reasons = fields.pop("reasons", [])
    made = await _api(
        client, world, "POST", "/articles", json={"title": title, "body": body, **fields}
    )
    if reasons:
        await _api(
            client, world, "PUT", f"/articles/{made['id']}/reasons", json={"reason_ids": reasons}
        )
    await _api(client, world, "POST", f"/articles/{made['id']}/publish")
    return dict(made)


async def knowledge(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    cards = await _api(client, world, "POST", "/reasons", json={"code": "cards", "name": "Cards"})
    lost = await _api(
        client, world, "POST", "/reasons",
        json={"code": "cards.lost", "name": "Lost card", "parent_id": cards["id"]},
    )  # fmt: skip
    block = await publish(
        client, world, "How to block a lost card",
        "<p>Open the app and press <strong>Block card</strong>.</p>",
        reasons=[lost["id"]], tags=["cards"],
    )  # fmt: skip
    made = {
        "block": block,
        "block_ru": await publish(
            client, world, "Как заблокировать потерянную карту",
            "<p>Откройте приложение и нажмите «Заблокировать карту».</p>",
            reasons=[lost["id"]], tags=["cards"], language="ru", translation_of=block["id"],
        ),
        "internal": await publish(
            client, world, "Refund limits for a blocked card", "<p>Up to 50 EUR.</p>",
            reasons=[lost["id"]], audience="internal",
        ),
    }  # fmt: skip
    made["reasons"] = {"cards": cards, "lost": lost}
    return made


async def test_browse_search_and_read_only_public_articles(
    client: httpx.AsyncClient, world: World
) -> None:
    await knowledge(client, world)
    home = await client.get(HELP)
    assert home.status_code == 200
    assert "Content-Security-Policy" in home.headers
    assert 'href="/help/acme/categories/cards"' in home.text
    assert "How to block a lost card" in home.text
    assert "Refund limits" not in home.text  # internal
    category = await client.get(f"{HELP}/categories/cards")
    assert "Lost card" in category.text
    assert "How to block a lost card" in category.text
    found = await client.get(f"{HELP}/search", params={"q": "blocking cards"})
    assert "<mark>" in found.text
    assert "How to block a lost card" in found.text
    assert "Refund limits" not in found.text
    article = await client.get(f"{HELP}/articles/how-to-block-a-lost-card")
    assert "<strong>Block card</strong>" in article.text  # safe rich text is kept
    assert 'href="/help/acme/articles/' in article.text
    assert "Русский" in article.text
    hidden = await client.get(f"{HELP}/articles/refund-limits-for-a-blocked-card")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")


async def test_the_visitors_language_is_chosen_and_remembered(
    client: httpx.AsyncClient, world: World
) -> None:
    await knowledge(client, world)
    polish = await client.get(HELP, headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})
    assert '<html lang="pl">' in polish.text
    russian = await client.get(HELP, params={"lang": "ru"})
    assert '<html lang="ru">' in russian.text
    assert "Как мы можем помочь?" in russian.text
    again = await client.get(HELP)  # the cookie keeps the choice
    assert '<html lang="ru">' in again.text
    results = await client.get(f"{HELP}/search", params={"q": "карта"})
    first = results.text.index("Как заблокировать")
    assert first < results.text.find("How to block") or "How to block" not in results.text


async def test_markup_in_search_terms_is_shown_as_text(
    client: httpx.AsyncClient, world: World
) -> None:
    await knowledge(client, world)
    page = await client.get(f"{HELP}/search", params={"q": XSS})
    assert XSS not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


async def test_feedback_needs_the_pages_form_token(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await knowledge(client, world)
    page = await client.get(f"{HELP}/articles/how-to-block-a-lost-card")
    url = f"{HELP}/articles/how-to-block-a-lost-card/feedback"
    forged = await client.post(url, data={"helpful": "yes", "token": "0" * 64})
    assert forged.status_code == 400
    voted = await client.post(url, data={"helpful": "yes", "token": token_of(page.text)})
    assert voted.status_code == 303
    report = await _api(client, world, "GET", "/knowledge/report")
    numbers = {a["title"]: a for a in report["articles"]}
    assert numbers["How to block a lost card"]["helpful"] == 1


async def test_still_need_help_carries_what_was_searched_and_read(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await knowledge(client, world)
    await client.get(f"{HELP}/search", params={"q": "lost card abroad"})
    await client.get(f"{HELP}/articles/how-to-block-a-lost-card")
    form = await client.get(f"{HELP}/contact")
    assert "lost card abroad" in form.text  # shown to the visitor before sending
    sent = await client.post(
        f"{HELP}/contact",
        data={
            "token": token_of(form.text), "kind": "message", "name": f"Ann {XSS}",
            "email": "ann@example.com", "topic": "cards.lost",
            "message": "The app does not let me block it",
        },
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    number = re.search(r'class="case-number">(\d+)<', sent.text)
    assert number
    async with runtime.sessions() as session:
        contact = await session.scalar(select(Interaction).where(Interaction.channel == "webform"))
        assert contact is not None
        case = await session.get(Case, contact.case_id)
        assert case is not None
        assert case.reason_id is not None
        notes = list(
            await session.scalars(
                select(Message).where(
                    Message.interaction_id == contact.id, Message.internal.is_(True)
                )
            )
        )
        visit = await session.scalar(select(PortalVisit))
    assert len(notes) == 1
    assert "“lost card abroad”" in notes[0].body
    assert "“How to block a lost card”" in notes[0].body
    assert visit is not None
    assert visit.interaction_id == contact.id


async def test_a_form_that_cannot_be_used_says_why_and_keeps_the_input(
    client: httpx.AsyncClient, world: World
) -> None:
    await offer_callbacks(client, world)
    form = await client.get(f"{HELP}/contact?kind=callback")
    refused = await client.post(
        f"{HELP}/contact",
        data={"token": token_of(form.text), "kind": "callback", "name": "Bob", "when": "today"},
    )
    assert refused.status_code == 422
    assert "give the phone number we should call" in refused.text
    assert 'value="today"' in refused.text
    bad_phone = await client.post(
        f"{HELP}/contact",
        data={"token": token_of(form.text), "kind": "callback", "phone": "call me"},
    )
    assert bad_phone.status_code == 422
    assert "not a phone number" in bad_phone.text
    called = await client.post(
        f"{HELP}/contact",
        data={"token": token_of(form.text), "kind": "callback", "phone": "020 7946 0018"},
    )
    assert called.status_code == 200
    assert "We will call you back." in called.text


async def test_deflection_counts_visits_by_outcome_per_article_and_reason(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    made = await knowledge(client, world)
    slug = "how-to-block-a-lost-card"
    for _ in range(3):  # three visitors read and leave
        async with httpx.AsyncClient(
            transport=client._transport, base_url="http://testserver"
        ) as c:
            await c.get(f"{HELP}/articles/{slug}")
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as c:
        await c.get(f"{HELP}/articles/{slug}")
        form = await c.get(f"{HELP}/contact")
        sent = await c.post(
            f"{HELP}/contact",
            data={"token": token_of(form.text), "email": "x@example.com", "message": "help"},
        )
        assert sent.status_code == 200
    async with runtime.sessions() as session:  # the readers' visits ended an hour ago
        for visit in await session.scalars(select(PortalVisit)):
            if visit.contacted_at is None:
                visit.last_seen_at = utcnow() - VISIT_IDLE - timedelta(minutes=1)
        await session.commit()
    numbers = await _api(client, world, "GET", "/portal/deflection")
    assert numbers["total"] == {
        "visits": 4, "deflected": 3, "contacted": 1, "ongoing": 0, "deflection_rate": 0.75
    }  # fmt: skip
    [article] = [a for a in numbers["articles"] if a["article_id"] == made["block"]["id"]]
    assert article["outcomes"]["deflected"] == 3
    assert article["outcomes"]["contacted"] == 1
    [reason] = [r for r in numbers["reasons"] if r["code"] == "cards.lost"]
    assert reason["outcomes"]["visits"] == 4
    agent = await client.get(f"{API}/portal/deflection", headers=world.auth("agent"))
    assert agent.status_code == 403


async def test_an_unknown_or_disabled_portal_is_not_found(client: httpx.AsyncClient) -> None:
    missing = await client.get("/help/nobody")
    assert missing.status_code == 404
    assert "there is no help portal here" in missing.text


async def test_one_address_cannot_flood_the_contact_form(
    client: httpx.AsyncClient, world: World
) -> None:
    for i in range(CONTACTS.count + 1):
        async with httpx.AsyncClient(
            transport=client._transport, base_url="http://testserver"
        ) as c:
            form = await c.get(f"{HELP}/contact")
            sent = await c.post(
                f"{HELP}/contact",
                data={"token": token_of(form.text), "email": f"s{i}@example.com", "message": "hi"},
            )
        if i < CONTACTS.count:
            assert sent.status_code == 200
    assert sent.status_code == 429
    assert "please wait before sending more" in sent.text
    assert "hi</textarea>" in sent.text  # the input is kept


async def test_a_chat_started_on_the_portal_carries_what_was_searched_and_read(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    from tests.channels.webchat.helpers import enable

    await knowledge(client, world)
    plain = await client.get(HELP)
    assert "widget.js" not in plain.text  # no chat switched on, no widget
    await enable(client, world)
    await client.get(f"{HELP}/search", params={"q": "stolen card"})
    page = await client.get(f"{HELP}/articles/how-to-block-a-lost-card")
    found = re.search(r'data-context="([^"]+)"', page.text)
    assert found, "the portal page carries the chat widget with the visit"
    own = {"Origin": "http://testserver"}  # the portal's own pages may use the chat
    started = await client.post(
        "/api/v1/chat/acme/start",
        json={"name": "Ann", "message": "It is still not blocked", "context": found.group(1)},
        headers=own,
    )
    assert started.status_code == 201, started.text
    async with runtime.sessions() as session:
        chat = await session.scalar(select(Interaction).where(Interaction.channel == "webchat"))
        assert chat is not None
        notes = list(
            await session.scalars(
                select(Message.body).where(
                    Message.interaction_id == chat.id, Message.internal.is_(True)
                )
            )
        )
        visit = await session.scalar(select(PortalVisit))
    assert any("“stolen card”" in n and "“How to block a lost card”" in n for n in notes)
    assert visit is not None
    assert visit.interaction_id == chat.id
    forged = await client.post(
        "/api/v1/chat/acme/start",
        json={"name": "Eve", "message": "hi", "context": found.group(1)[:-2] + "xx"},
        headers=own,
    )
    assert forged.status_code == 201  # a bad context is ignored, the chat still starts
