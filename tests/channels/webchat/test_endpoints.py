"""The chat API and the visitor's socket, as a browser on an allowed site uses them."""

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from omniline.channels.webchat.tokens import sign_identity
from omniline.files.service import MAX_BYTES
from omniline.runtime import Runtime
from tests.channels.webchat.helpers import (
    ADMIN,
    CHAT,
    SHOP,
    enable,
    interaction_of,
    offer_callbacks,
    start,
    visitor,
)
from tests.conftest import World
from tests.realtime.conftest import Server, receive

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = "<img src=x onerror=window.__x=1>"


def chat_socket(server: Server, token: str, tenant: str = "acme") -> str:
    return f"ws://127.0.0.1:{server.port}/api/v1/chat/{tenant}/socket?token={token}"


async def until(ws: ClientConnection, kind: str, **match: Any) -> dict[str, Any]:
    """Skip frames until one of `kind` whose fields match."""
    for _ in range(100):
        frame = await receive(ws)
        if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise AssertionError(f"no {kind} frame")


async def closing(url: str, **options: Any) -> int:
    """Connect and return the code the server closes with."""
    async with connect(url, **options) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


# --- origins and CORS ----------------------------------------------------------------------


async def test_only_allowed_sites_get_the_chat_and_cors_headers(
    client: httpx.AsyncClient, world: World
) -> None:
    off = await client.get(f"{CHAT}/config", headers=visitor())
    assert off.status_code == 404  # not switched on yet
    await enable(client, world)
    allowed = await client.get(f"{CHAT}/config", params={"lang": "ru"}, headers=visitor())
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert allowed.json()["texts"]["start"] == "Начать чат"
    refused = await client.get(f"{CHAT}/config", headers=visitor(origin="https://evil.example"))
    assert refused.status_code == 403
    assert "allowed origins" in refused.json()["error"]["message"]
    assert "access-control-allow-origin" not in refused.headers
    preflight = {"Access-Control-Request-Method": "POST"}
    ok = await client.options(f"{CHAT}/start", headers={"Origin": SHOP, **preflight})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == SHOP
    assert "authorization" in ok.headers["access-control-allow-headers"]
    bad = await client.options(
        f"{CHAT}/start", headers={"Origin": "https://evil.example", **preflight}
    )
    assert bad.status_code == 403
    assert "access-control-allow-origin" not in bad.headers
    # errors to an allowed site carry the header too, so the widget can read them
    invalid = await client.post(f"{CHAT}/start", json={"message": ""}, headers=visitor())
    assert invalid.status_code == 422
    assert invalid.headers["access-control-allow-origin"] == SHOP


async def test_the_settings_are_for_administrators_and_the_secret_is_shown_once(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"enabled": True, "allowed_origins": [SHOP]}
    agent = await client.put(ADMIN, json=body, headers=world.auth("agent"))
    assert agent.status_code == 403
    made = await enable(client, world, rotate_identity_secret=True)
    assert made["identity_secret_set"] is True
    assert len(made["identity_secret"]) > 30
    assert 'data-tenant="acme"' in made["embed"]
    again = await client.get(ADMIN, headers=world.auth("admin"))
    assert again.json()["identity_secret"] is None
    assert again.json()["identity_secret_set"] is True
    kept = await enable(client, world, topics=[])
    assert kept["identity_secret"] is None
    assert kept["identity_secret_set"] is True
    wrong = await client.put(
        ADMIN,
        json={"enabled": True, "allowed_origins": ["https://shop.example/path"]},
        headers=world.auth("admin"),
    )
    assert wrong.status_code == 422
    unknown = await client.put(
        ADMIN, json={"enabled": True, "topics": ["nope"]}, headers=world.auth("admin")
    )
    assert unknown.status_code == 422
    assert "nope" in unknown.json()["error"]["message"]


# --- the conversation ----------------------------------------------------------------------


async def test_start_write_and_resume_after_a_reload(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable(client, world)
    started = await start(client, name=XSS)
    token = started["token"]
    assert started["status"]["state"] == "waiting"
    assert started["message"]["text"] == "Hello, my card is blocked"
    sent = await client.post(f"{CHAT}/messages", json={"text": XSS}, headers=visitor(token))
    assert sent.status_code == 201, sent.text
    row = await interaction_of(client, world, token)
    staff = world.auth("agent")
    base = f"/api/v1/tenants/acme/interactions/{row['id']}"
    note = await client.post(
        f"{base}/messages", json={"body": "looks like fraud", "internal": True}, headers=staff
    )
    reply = await client.post(f"{base}/messages", json={"body": "Hello!"}, headers=staff)
    assert note.status_code == reply.status_code == 201
    # a reload: the page has only the token from localStorage
    history = await client.get(f"{CHAT}/messages", headers=visitor(token))
    assert history.status_code == 200
    texts = [(m["sender"], m["text"]) for m in history.json()["messages"]]
    assert texts == [
        ("visitor", "Hello, my card is blocked"),
        ("visitor", XSS),  # stored and returned as text; the widget shows it as text
        ("agent", "Hello!"),
    ]
    customer = await client.get(
        f"/api/v1/tenants/acme/customers/{row['customer_id']}", headers=staff
    )
    assert customer.json()["display_name"] == XSS


async def test_forged_tokens_and_other_tenants_tokens_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable(client, world)
    started = await start(client)
    token = started["token"]
    for forged in (token[:-3] + "abc", "nonsense", ""):
        answer = await client.get(f"{CHAT}/messages", headers=visitor(forged))
        assert answer.status_code == 401, forged
    globex = {"enabled": True, "allowed_origins": [SHOP]}
    made = await client.put(
        "/api/v1/tenants/globex/webchat", json=globex, headers=world.auth("other_admin")
    )
    assert made.status_code == 200, made.text
    elsewhere = await client.get(
        "/api/v1/chat/globex/messages", headers=visitor(token)
    )  # acme's token at globex
    assert elsewhere.status_code == 401
    # the message endpoint refuses too: nothing is written with a forged token
    write = await client.post(f"{CHAT}/messages", json={"text": "hi"}, headers=visitor(token + "x"))
    assert write.status_code == 401


async def test_a_signed_identity_lands_on_the_customer_an_unsigned_claim_does_not(
    client: httpx.AsyncClient, world: World
) -> None:
    secret = (await enable(client, world, rotate_identity_secret=True))["identity_secret"]
    payload = {
        "channel": "email",
        "external_id": "mail-1",
        "sender": {"name": "Maja", "identities": [{"kind": "email", "value": "maja@example.com"}]},
        "body": "My secret question is about my late aunt",
    }
    landed = await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))
    maja = landed.json()["customer_id"]

    signed = await start(
        client, identity=sign_identity(secret, {"email": "maja@example.com"}), name=""
    )
    assert (await interaction_of(client, world, signed["token"]))["customer_id"] == maja
    # the panel says what the note says: the site vouched for this address
    panel = await client.get(f"/api/v1/tenants/acme/customers/{maja}", headers=world.auth("agent"))
    assert [(i["kind"], i["verified"], i["typed"]) for i in panel.json()["identities"]] == [
        ("email", True, False)
    ]

    claimed = await start(client, name="Maja", email="maja@example.com")
    row = await interaction_of(client, world, claimed["token"])
    assert row["customer_id"] != maja
    seen = await client.get(f"{CHAT}/messages", headers=visitor(claimed["token"]))
    assert "aunt" not in seen.text
    notes = await client.get(
        f"/api/v1/tenants/acme/interactions/{row['id']}/messages", headers=world.auth("agent")
    )
    [note] = [m for m in notes.json()["items"] if m["internal"]]
    assert "identity NOT verified" in note["body"]


async def test_typed_details_in_the_written_forms_never_reach_the_customer_on_file(
    client: httpx.AsyncClient, world: World
) -> None:
    """H1: a stranger who types Maja's address and number leaves a contact of their own."""
    await enable(client, world)
    payload = {
        "channel": "email", "external_id": "mail-1", "body": "About my late aunt",
        "sender": {"name": "Maja", "identities": [{"kind": "email", "value": "maja@example.com"}]},
    }  # fmt: skip
    maja = (await client.post("/api/v1/inbound", json=payload, headers=world.auth("api"))).json()
    left = await client.post(
        f"{CHAT}/leave-message",
        json={"email": "maja@example.com", "phone": "07700 900123", "message": "My case?"},
        headers=visitor(),
    )
    assert left.status_code == 201, left.text
    listed = await client.get(
        "/api/v1/tenants/acme/interactions", params={"channel": "webform"},
        headers=world.auth("agent"),
    )  # fmt: skip
    [row] = listed.json()["items"]
    assert row["customer_id"] != maja["customer_id"]
    assert row["case_id"] != maja["case_id"]
    owner = await client.get(
        f"/api/v1/tenants/acme/customers/{maja['customer_id']}", headers=world.auth("agent")
    )
    assert [i["kind"] for i in owner.json()["identities"]] == ["email"]  # nothing attached
    suggested = await client.get(
        f"/api/v1/tenants/acme/customers/{maja['customer_id']}/suggestions",
        headers=world.auth("agent"),
    )
    [suggestion] = suggested.json()
    assert suggestion["customer_id"] == row["customer_id"]
    assert suggestion["kinds"] == ["email"]


async def test_leaving_a_message_or_asking_for_a_callback_makes_written_contacts(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable(client, world)
    await offer_callbacks(client, world)
    left = await client.post(
        f"{CHAT}/leave-message",
        json={"name": "Ada", "email": "ada@example.com", "message": "Call me maybe"},
        headers=visitor(),
    )
    assert left.status_code == 201, left.text
    assert left.json() == {"received": True}  # nothing of the customer's record
    no_contact = await client.post(
        f"{CHAT}/leave-message", json={"message": "hi"}, headers=visitor()
    )
    assert no_contact.status_code == 422
    # a waiting visitor gives up and asks for a call: their chat ends
    waiting = await start(client)
    called = await client.post(
        f"{CHAT}/callback", json={"phone": "07700 900123"}, headers=visitor(waiting["token"])
    )
    assert called.status_code == 201, called.text
    ended = await client.get(f"{CHAT}/messages", headers=visitor(waiting["token"]))
    assert ended.json()["status"]["state"] == "ended"
    for channel in ("webform", "callback"):
        listed = await client.get(
            "/api/v1/tenants/acme/interactions",
            params={"channel": channel},
            headers=world.auth("agent"),
        )
        assert len(listed.json()["items"]) == 1, channel


async def test_files_are_checked_and_served_only_to_their_chat_and_the_tenants_staff(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable(client, world)
    mine = (await start(client))["token"]
    other = (await start(client))["token"]
    upload = await client.post(
        f"{CHAT}/files", files={"file": ("../photo.png", PNG, "image/png")}, headers=visitor(mine)
    )
    assert upload.status_code == 201, upload.text
    [stored] = upload.json()["files"]
    assert (stored["name"], stored["content_type"], stored["size"]) == (
        "photo.png",
        "image/png",
        len(PNG),
    )
    big = await client.post(
        f"{CHAT}/files",
        files={"file": ("big.png", PNG + b"\x00" * MAX_BYTES, "image/png")},
        headers=visitor(mine),
    )
    assert big.status_code == 413
    assert "10 MB" in big.json()["error"]["message"]
    assert big.headers["access-control-allow-origin"] == SHOP
    script = await client.post(
        f"{CHAT}/files",
        files={"file": ("x.svg", b"\xff\xfe<svg onload=alert(1)>\x00", "image/svg+xml")},
        headers=visitor(mine),
    )
    assert script.status_code == 415
    assert "PNG" in script.json()["error"]["message"]

    url = f"{CHAT}/files/{stored['id']}"
    got = await client.get(url, headers=visitor(mine))
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
    assert (await client.get(url, headers=visitor(other))).status_code == 404
    staff_url = f"/api/v1/tenants/acme/files/{stored['id']}"
    staff = await client.get(staff_url, headers=world.auth("agent"))
    assert staff.status_code == 200
    assert staff.content == PNG
    assert staff.headers["content-disposition"].startswith("attachment")
    outsider = await client.get(
        f"/api/v1/tenants/globex/files/{stored['id']}", headers=world.auth("other_admin")
    )
    assert outsider.status_code == 404
    stranger = await client.get(staff_url, headers=world.auth("other_admin"))
    assert stranger.status_code == 404
    anonymous = await client.get(staff_url)
    assert anonymous.status_code == 401


# --- live: the visitor's socket ------------------------------------------------------------


async def test_the_visitor_socket_streams_replies_status_and_not_notes(
    client: httpx.AsyncClient, world: World, server: Server, runtime: Runtime
) -> None:
    await enable(client, world)
    started = await start(client)
    row = await interaction_of(client, world, started["token"])
    base = f"/api/v1/tenants/acme/interactions/{row['id']}"
    staff = world.auth("agent")
    async with connect(chat_socket(server, started["token"]), origin=SHOP) as ws:  # type: ignore[arg-type]
        hello = await receive(ws)
        assert hello["type"] == "hello"
        assert [m["text"] for m in hello["messages"]] == ["Hello, my card is blocked"]
        assert hello["status"]["state"] == "waiting"
        await client.post(
            f"{base}/messages", json={"body": "secret", "internal": True}, headers=staff
        )
        await client.post(f"{base}/messages", json={"body": "How can I help?"}, headers=staff)
        frame = await until(ws, "message")
        assert frame["message"]["text"] == "How can I help?"  # the note never came
        assert frame["message"]["author"] == "Agent"
        answered = await client.post(f"{base}/steps", json={"step": "answered"}, headers=staff)
        assert answered.status_code == 200, answered.text
        status = await until(ws, "status")
        assert status["status"] == {
            "state": "active",
            "agent": "Agent",
            "position": None,
            "estimated_wait_seconds": None,
        }
        mine = await client.post(
            f"{CHAT}/messages", json={"text": "thanks"}, headers=visitor(started["token"])
        )
        echoed = await until(ws, "message")
        assert echoed["message"]["id"] == mine.json()["id"]  # other tabs follow too
        await client.post(f"{base}/steps", json={"step": "ended"}, headers=staff)
        assert (await until(ws, "status"))["status"]["state"] == "ended"
    await runtime.router.settle()


async def test_typing_reaches_the_other_side_both_ways(
    client: httpx.AsyncClient, world: World, server: Server, runtime: Runtime
) -> None:
    await enable(client, world)
    started = await start(client)
    row = await interaction_of(client, world, started["token"])
    async with (
        connect(server.ws(token=world.tokens["agent"])) as desk,
        connect(chat_socket(server, started["token"]), origin=SHOP) as chat,  # type: ignore[arg-type]
    ):
        assert (await receive(desk))["type"] == "snapshot"
        assert (await receive(chat))["type"] == "hello"
        await chat.send(json.dumps({"type": "typing", "typing": True}))
        seen = await until(desk, "typing")
        assert seen == {
            "type": "typing",
            "interaction_id": row["id"],
            "who": "visitor",
            "typing": True,
        }
        posted = await client.post(
            f"{CHAT}/typing", json={"typing": False}, headers=visitor(started["token"])
        )
        assert posted.status_code == 204
        assert (await until(desk, "typing"))["typing"] is False
        command = {"type": "typing", "interaction_id": row["id"], "ref": "t1"}
        await desk.send(json.dumps(command))
        assert (await until(desk, "reply", ref="t1"))["ok"] is True
        shown = await until(chat, "typing")
        assert shown == {"type": "typing", "typing": True, "name": "Agent"}
        wrong = {"type": "typing", "interaction_id": str(uuid.uuid4()), "ref": "t2"}
        await desk.send(json.dumps(wrong))
        assert (await until(desk, "reply", ref="t2"))["error"]["code"] == "not_found"
    await runtime.router.settle()


async def test_the_socket_refuses_forged_tokens_and_foreign_sites(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    await enable(client, world)
    token = (await start(client))["token"]
    assert await closing(chat_socket(server, token + "x"), origin=SHOP) == 4401
    assert await closing(chat_socket(server, token), origin="https://evil.example") == 4403
    assert await closing(chat_socket(server, token, tenant="globex"), origin=SHOP) == 4404
    async with connect(chat_socket(server, token), origin=SHOP) as ws:  # type: ignore[arg-type]
        assert (await receive(ws))["type"] == "hello"
        await ws.send("not json")  # ignored, the socket stays
        await ws.send(json.dumps({"type": "typing"}))
        await asyncio.sleep(0.05)
        assert ws.state.name == "OPEN"


async def test_one_address_cannot_flood_the_public_chat(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omniline.channels.webchat import endpoints

    await enable(client, world)
    for _ in range(endpoints.WRITTEN.count):
        left = await client.post(
            f"{CHAT}/leave-message",
            json={"name": "Ada", "email": "ada@example.com", "message": "Call me"},
            headers=visitor(),
        )
        assert left.status_code == 201, left.text
    flooded = await client.post(
        f"{CHAT}/callback", json={"phone": "07700 900123"}, headers=visitor()
    )
    assert flooded.status_code == 429
    assert "several requests from here" in flooded.json()["error"]["message"]
    assert flooded.headers["access-control-allow-origin"] == SHOP  # the widget can read it
    monkeypatch.setattr(endpoints, "STARTS", dataclasses.replace(endpoints.STARTS, count=2))
    await start(client)
    await start(client)
    third = await client.post(
        f"{CHAT}/start", json={"name": "Ada", "message": "hi"}, headers=visitor()
    )
    assert third.status_code == 429


async def test_a_signed_in_visitor_is_not_asked_who_they_are_again(
    client: httpx.AsyncClient, world: World
) -> None:
    secret = (await enable(client, world, rotate_identity_secret=True))["identity_secret"]
    await offer_callbacks(client, world)
    token = sign_identity(secret, {"email": "maja@example.com", "phone": "07700 900123",
                                   "name": "Maja"})  # fmt: skip
    who = await client.post(f"{CHAT}/identity", json={"identity": token}, headers=visitor())
    assert who.status_code == 200, who.text
    assert who.json() == {"verified": True, "name": "Maja", "phone": True}
    forged = await client.post(
        f"{CHAT}/identity",
        json={"identity": token[:-1] + ("1" if token.endswith("0") else "0")},
        headers=visitor(),
    )
    assert forged.json() == {"verified": False, "name": "", "phone": False}
    called = await client.post(f"{CHAT}/callback", json={"identity": token}, headers=visitor())
    assert called.status_code == 201, called.text  # the number the site signed is used
    [made] = (
        await client.get(
            "/api/v1/tenants/acme/callbacks", params={"reveal": "true"},
            headers=world.auth("admin"),
        )
    ).json()["items"]  # fmt: skip
    assert made["phone"] == "+447700900123"
