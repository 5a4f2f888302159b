"""What editors learn: feedback and use per article, searches that found nothing, reasons
that have no article."""

import httpx

from tests.conftest import World

T = "/api/v1/tenants/acme"


async def test_the_report_shows_what_works_and_what_is_missing(
    client: httpx.AsyncClient, world: World
) -> None:
    editor, agent = world.auth("supervisor"), world.auth("agent")
    made = await client.post(
        f"{T}/articles", json={"title": "Unblock a card", "body": "<p>In the app.</p>"},
        headers=editor,
    )  # fmt: skip
    aid = made.json()["id"]
    await client.post(f"{T}/articles/{aid}/publish", headers=editor)
    bare = await client.post(
        f"{T}/reasons", json={"code": "loans", "name": "Loans"}, headers=editor
    )
    landed = await client.post(
        "/api/v1/inbound",
        json={"channel": "chat", "external_id": "m1", "body": "card?",
              "sender": {"identities": [{"kind": "email", "value": "ada@ex.com"}]}},
        headers=world.auth("api"),
    )  # fmt: skip
    iid = landed.json()["interaction_id"]

    for helpful in (True, True, False):
        given = await client.post(
            f"{T}/articles/{aid}/feedback",
            json={"helpful": helpful, "interaction_id": iid},
            headers=agent,
        )
        assert given.status_code == 204, given.text
    used = await client.post(
        f"{T}/articles/{aid}/uses", json={"kind": "sent", "interaction_id": iid}, headers=agent
    )
    assert used.status_code == 204, used.text
    for _ in range(2):
        await client.get(f"{T}/knowledge/search", params={"q": "mortgage"}, headers=agent)
    await client.get(f"{T}/knowledge/search", params={"q": "card"}, headers=agent)

    report = await client.get(f"{T}/knowledge/report", headers=editor)
    assert report.status_code == 200, report.text
    body = report.json()
    [numbers] = body["articles"]
    assert (numbers["helpful"], numbers["not_helpful"], numbers["sent"]) == (2, 1, 1)
    assert [(m["query"], m["times"]) for m in body["missed_searches"]] == [("mortgage", 2)]
    assert [r["id"] for r in body["reasons_without_articles"]] == [bare.json()["id"]]

    other = await client.post(
        f"{T}/articles/{aid}/uses",
        json={"kind": "used", "interaction_id": "01a210aa-0000-7000-8000-000000000000"},
        headers=agent,
    )
    assert other.status_code == 404
    denied = await client.get(f"{T}/knowledge/report", headers=agent)
    assert denied.status_code == 403


async def test_suggestions_put_the_reason_first_then_what_the_words_find(
    client: httpx.AsyncClient, world: World
) -> None:
    editor = world.auth("supervisor")
    reason = (
        await client.post(f"{T}/reasons", json={"code": "cards", "name": "Cards"}, headers=editor)
    ).json()
    linked = (
        await client.post(
            f"{T}/articles",
            json={"title": "Card guideline", "kind": "guideline", "body": "<p>Ask for ID.</p>",
                  "reason_ids": [reason["id"]]},
            headers=editor,
        )
    ).json()  # fmt: skip
    by_words = (
        await client.post(
            f"{T}/articles",
            json={"title": "Forgotten PIN", "body": "<p>Reset your PIN code in the app.</p>"},
            headers=editor,
        )
    ).json()
    for article in (linked, by_words):
        await client.post(f"{T}/articles/{article['id']}/publish", headers=editor)
    landed = await client.post(
        "/api/v1/inbound",
        json={"channel": "chat", "external_id": "m1", "reason": "cards",
              "body": "Hello, I forgot my pin and cannot pay",
              "sender": {"identities": [{"kind": "email", "value": "ada@ex.com"}]}},
        headers=world.auth("api"),
    )  # fmt: skip
    assert landed.status_code == 200, landed.text
    iid = landed.json()["interaction_id"]
    found = await client.get(f"{T}/interactions/{iid}/suggestions", headers=world.auth("agent"))
    assert found.status_code == 200, found.text
    assert [(s["id"], s["why"]) for s in found.json()] == [
        (linked["id"], "reason"),
        (by_words["id"], "text"),
    ]
    assert "<mark>" in found.json()[1]["snippet"]
