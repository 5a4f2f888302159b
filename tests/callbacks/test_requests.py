"""Callbacks customers ask for on the help portal and in the web chat (item 2).

They used to answer "we will call you back" and queue nothing. Now they are real callbacks
in the queue the tenant set for them; a tenant without one does not offer them at all, and
its administrators are told why.
"""

import httpx

from tests.callbacks.conftest import PHONE, Center
from tests.channels.webchat.helpers import CHAT, enable, visitor
from tests.portal.test_pages import token_of

HELP = "/help/acme"


async def _portal_callback(client: httpx.AsyncClient) -> httpx.Response:
    form = await client.get(f"{HELP}/contact?kind=callback")
    return await client.post(
        f"{HELP}/contact",
        data={
            "token": token_of(form.text), "kind": "callback", "name": "Ada",
            "phone": "020 7946 0958", "when": "after 5 pm", "message": "About my card",
        },
    )  # fmt: skip


async def test_a_tenant_without_a_callback_queue_offers_no_callbacks_and_says_why(
    center: Center, client: httpx.AsyncClient
) -> None:
    await center.set_up()
    await enable(client, center.world)
    tenant = await center.ok("GET", "")
    [warning] = tenant["warnings"]
    assert "do not offer callbacks" in warning
    assert "callback_queue_id" in warning
    home = await client.get(HELP)
    assert "Ask for a call back" not in home.text
    form = await client.get(f"{HELP}/contact?kind=callback")
    assert 'name="when"' not in form.text  # the message form instead
    refused = await _portal_callback(client)
    assert refused.status_code == 409
    config = await client.get(f"{CHAT}/config", headers=visitor())
    assert config.json()["callbacks"] is False
    chat = await client.post(f"{CHAT}/callback", json={"phone": PHONE}, headers=visitor())
    assert chat.status_code == 409
    assert "callbacks are not offered" in chat.json()["error"]["message"]
    assert (await center.ok("GET", "/callbacks"))["items"] == []
    assert (await center.ok("GET", "/interactions", params={"channel": "callback"}))["items"] == []


async def test_the_callback_queue_must_take_calls(center: Center) -> None:
    chats = await center.ok("POST", "/queues", json={"name": "chats", "channels": ["chat"]})
    wrong = await center.call("PATCH", "", json={"callback_queue_id": chats["id"]})
    assert wrong.status_code == 422
    assert "does not take voice contacts" in wrong.text
    unknown = await center.call(
        "PATCH", "", json={"callback_queue_id": "01890000-0000-7000-8000-000000000000"}
    )
    assert unknown.status_code == 422
    agent = await center.call("PATCH", "", "agent", json={"callback_queue_id": chats["id"]})
    assert agent.status_code == 403


async def test_portal_and_chat_requests_become_callbacks_in_the_callback_queue(
    center: Center, client: httpx.AsyncClient
) -> None:
    voice = await center.set_up()
    await enable(client, center.world)
    made = await center.ok("PATCH", "", json={"callback_queue_id": voice["id"]})
    assert made["warnings"] == []
    assert "Ask for a call back" in (await client.get(HELP)).text
    sent = await _portal_callback(client)
    assert sent.status_code == 200, sent.text
    assert "We will call you back." in sent.text
    assert (await client.get(f"{CHAT}/config", headers=visitor())).json()["callbacks"] is True
    chat = await client.post(
        f"{CHAT}/callback", json={"phone": "020 7946 0959", "when": "now"}, headers=visitor()
    )
    assert chat.status_code == 201, chat.text
    listed = (await center.ok("GET", "/callbacks", params={"reveal": "true"}))["items"]
    assert sorted(c["phone"] for c in listed) == [PHONE, "+442079460959"]
    assert {c["queue_id"] for c in listed} == {voice["id"]}
    assert {c["status"] for c in listed} == {"scheduled"}
    assert "Best time: after 5 pm" in next(c["note"] for c in listed if c["phone"] == PHONE)
    requests = (await center.ok("GET", "/interactions", params={"channel": "callback"}))["items"]
    assert {r["status"] for r in requests} == {"wrapped_up"}  # recorded, no agent's work
    await center.jobs()
    calls = await center.voice_calls()
    assert len(calls) == 2  # due at once: calls routed to the agents of the callback queue
    assert {c["queue"] for c in calls} == {voice["name"]}
    assert {c["status"] for c in calls} <= {"queued", "offered", "active"}
    back = (await center.ok("GET", "/callbacks"))["items"]
    assert {c["interaction_id"] for c in back} == {c["id"] for c in calls}
