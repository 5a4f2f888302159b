"""'Still need help?': typed details never reach the customer on file (H1)."""

import re
from typing import Any

import httpx

from tests.conftest import World
from tests.portal.test_pages import token_of
from tests.portal.test_status import contact

API = "/api/v1/tenants/acme"
HELP = "/help/acme"


async def customer_of(client: httpx.AsyncClient, world: World, interaction: str) -> Any:
    found = await client.get(f"{API}/interactions/{interaction}", headers=world.auth("agent"))
    assert found.status_code == 200, found.text
    made = await client.get(
        f"{API}/customers/{found.json()['customer_id']}",
        params={"reveal": "true"},
        headers=world.auth("supervisor"),
    )
    assert made.status_code == 200, made.text
    return made.json()


async def send_form(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = await client.get(f"{HELP}/contact")
    return await client.post(f"{HELP}/contact", data={"token": token_of(form.text), **fields})


async def test_typed_details_open_a_contact_of_their_own_and_only_suggest_the_customer(
    client: httpx.AsyncClient, world: World
) -> None:
    ann = await contact(client, world, "ann@example.com", "+442079460018", "My card is gone")
    before = await customer_of(client, world, ann["interaction_id"])
    sent = await send_form(
        client, kind="message", name="Ann", email="ANN@example.com", phone="020 7946 0018",
        message="What did you answer me about my card?",
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    number = re.search(r'class="case-number">(\d+)<', sent.text)
    assert number is not None
    assert int(number.group(1)) != ann["case_number"]  # never Ann's open case
    assert "My card is gone" not in sent.text
    after = await customer_of(client, world, ann["interaction_id"])
    assert after["identities"] == before["identities"]  # nothing attached to Ann
    listed = await client.get(f"{API}/interactions", headers=world.auth("agent"))
    assert listed.status_code == 200, listed.text
    [mine] = [
        i
        for i in listed.json()["items"]
        if i["channel"] == "webform" and i["id"] != ann["interaction_id"]
    ]
    assert mine["case_id"] != ann["case_id"]
    visitor = await customer_of(client, world, mine["id"])
    assert visitor["id"] != before["id"]
    typed = sorted((i["kind"], i["value"], i["typed"]) for i in visitor["identities"])
    assert typed == [("email", "ann@example.com", True), ("phone", "+442079460018", True)]
    suggested = await client.get(
        f"{API}/customers/{visitor['id']}/suggestions", headers=world.auth("agent")
    )
    assert suggested.status_code == 200, suggested.text
    [suggestion] = suggested.json()
    assert suggestion["candidate_id"] == before["id"]
    assert suggestion["kinds"] == ["email", "phone"]
    assert suggestion["status"] == "open"
