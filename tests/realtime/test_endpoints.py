"""The event WebSocket and its REST twin: snapshot, live events, resume, access."""

import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from omniline.auth.permissions import DEFAULT_TOKEN_SCOPES
from omniline.auth.service import create_api_token
from omniline.models import Tenant
from omniline.realtime import endpoints, hub
from omniline.runtime import Runtime
from tests.conftest import World
from tests.realtime.conftest import Server, nothing_more, receive, receive_events


def payload(external_id: str, email: str = "ada@example.com") -> dict[str, object]:
    return {
        "channel": "webform",
        "external_id": external_id,
        "sender": {"name": "Ada", "identities": [{"kind": "email", "value": email}]},
        "body": "My card is blocked",
    }


async def post(client: httpx.AsyncClient, world: World, external_id: str, who: str = "api") -> Any:
    response = await client.post(
        "/api/v1/inbound", json=payload(external_id), headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def stored(client: httpx.AsyncClient, world: World, after: int) -> list[dict[str, Any]]:
    """The tenant's events after an id, as the REST endpoint lists them."""
    response = await client.get(
        "/api/v1/tenants/acme/events",
        params={"after": after, "limit": 1000},
        headers=world.auth("agent"),
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def ids(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(e["id"], e["kind"]) for e in events]


async def test_snapshot_then_live_events_of_an_inbound_message(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"] == {"interactions": [], "cases": [], "agents": []}
        head = snapshot["last_event_id"]
        landed = await post(client, world, "m1")
        expected = await stored(client, world, head)
        live = await receive_events(ws, len(expected))
        assert ids(live) == ids(expected)
        assert [e["id"] for e in live] == list(range(head + 1, head + 1 + len(live)))
        assert {"case.opened", "interaction.created", "message.created"} <= {
            e["kind"] for e in live
        }
        assert live[-1]["interaction_id"] == landed["interaction_id"]
        await nothing_more(ws)
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        again = await receive(ws)
    assert again["last_event_id"] == live[-1]["id"]
    [interaction] = again["data"]["interactions"]
    assert interaction["id"] == landed["interaction_id"]
    assert interaction["status"] == "created"
    assert interaction["channel"] == "webform"
    [case] = again["data"]["cases"]
    assert (case["id"], case["number"], case["status"]) == (landed["case_id"], 1, "new")


async def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        head = (await receive(ws))["last_event_id"]
        await post(client, world, "m1")
        seen = await receive_events(ws, len(await stored(client, world, head)))
    last = seen[-1]["id"]
    for n in (2, 3, 4):
        await post(client, world, f"m{n}")
    missed = await stored(client, world, last)
    assert [e["kind"] for e in missed] == ["message.created"] * 3
    async with connect(server.ws(token=world.tokens["agent"], last_event_id=last)) as ws:
        replayed = await receive_events(ws, 3)
        assert ids(replayed) == ids(missed)
        await nothing_more(ws)
        await post(client, world, "m5")
        [live] = await receive_events(ws, 1)
        assert (live["id"], live["kind"]) == (missed[-1]["id"] + 1, "message.created")
        await nothing_more(ws)


async def test_resuming_at_the_newest_event_sends_only_live_ones(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    await post(client, world, "m1")
    newest = (await stored(client, world, 0))[-1]["id"]
    async with connect(server.ws(token=world.tokens["agent"], last_event_id=newest)) as ws:
        await nothing_more(ws)
        await post(client, world, "m2")
        [live] = await receive_events(ws, 1)
    assert live["id"] == newest + 1


async def test_a_client_that_falls_behind_is_told_to_resync(
    client: httpx.AsyncClient, world: World, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub, "QUEUE_LIMIT", 1)
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        head = (await receive(ws))["last_event_id"]
        await post(client, world, "m1")  # several events in one delivery: more than fit
        message = await receive(ws)
        assert message == {"type": "resync", "last_event_id": head}
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == endpoints.CLOSE_RESYNC


async def test_a_revoked_session_gets_no_more_events(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    """A socket outlives nothing it was opened with: after its session is closed (as after
    a password change, a deactivation or a removal), the next event closes it instead."""
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        out = await client.post("/api/v1/auth/logout", headers=world.auth("agent"))
        assert out.status_code == 204
        await post(client, world, "after-logout")
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == endpoints.CLOSE_UNAUTHORIZED


async def test_heartbeat_when_nothing_happens(
    world: World, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoints, "HEARTBEAT_SECONDS", 0.05)
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        assert await receive(ws) == {"type": "ping"}


async def test_session_cookie_is_accepted_from_the_same_site(world: World, server: Server) -> None:
    cookie = {"Cookie": f"omniline_session={world.tokens['agent']}"}
    origin = f"http://127.0.0.1:{server.port}"
    async with connect(server.ws(), additional_headers=cookie, origin=origin) as ws:
        assert (await receive(ws))["type"] == "snapshot"


async def closing(url: str, **options: Any) -> tuple[int, str]:
    """Connect and return the close code and reason the server answers with."""
    async with connect(url, **options) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_refusals_say_why(runtime: Runtime, world: World, server: Server) -> None:
    work = runtime.work()
    tenant = await work.session.get(Tenant, world.tenant.id)
    assert tenant is not None
    narrow, _ = await create_api_token(work, tenant, "form", DEFAULT_TOKEN_SCOPES)
    await work.commit()
    await work.session.close()

    code, reason = await closing(server.ws())
    assert (code, reason) == (4401, "log in, or pass the token as ?token=<token>")
    assert (await closing(server.ws(token="omt_nonsense")))[0] == 4401
    assert (await closing(server.ws(token=world.tokens["other_admin"])))[0] == 4404
    assert (await closing(server.ws("nowhere", token=world.tokens["agent"])))[0] == 4404
    code, reason = await closing(server.ws(token=narrow))
    assert (code, reason) == (4403, "this action needs the permission 'events.read'")
    code, _ = await closing(server.ws(token=world.tokens["agent"], last_event_id="x"))
    assert code == 4400
    code, reason = await closing(server.ws(token=world.tokens["agent"], last_event_id=999))
    assert code == 4400
    assert "ahead of the stream" in reason
    cookie = {"Cookie": f"omniline_session={world.tokens['agent']}"}
    code, _ = await closing(server.ws(), additional_headers=cookie, origin="https://evil.example")
    assert code == 4403


async def test_other_tenants_events_never_reach_the_socket(
    client: httpx.AsyncClient, world: World, server: Server
) -> None:
    async with connect(server.ws(token=world.tokens["admin"])) as ws:
        head = (await receive(ws))["last_event_id"]
        await post(client, world, "g1", who="other_api")
        await nothing_more(ws)
        await post(client, world, "a1")
        expected = await stored(client, world, head)
        live = await receive_events(ws, len(expected))
        await nothing_more(ws)
    assert ids(live) == ids(expected)
    assert {e["tenant_id"] for e in live} == {str(world.tenant.id)}


async def test_events_page_by_page(client: httpx.AsyncClient, world: World) -> None:
    await post(client, world, "m1")
    await post(client, world, "m2")
    everything = await stored(client, world, 0)
    pages: list[dict[str, Any]] = []
    after = 0
    while True:
        response = await client.get(
            "/api/v1/tenants/acme/events",
            params={"after": after, "limit": 2},
            headers=world.auth("planner"),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if not body["events"]:
            assert body["next_after"] == after
            break
        pages.extend(body["events"])
        after = body["next_after"]
        assert after == body["events"][-1]["id"]
    assert ids(pages) == ids(everything)
    assert [e["id"] for e in everything] == list(range(1, len(everything) + 1))
    assert {e["tenant_id"] for e in everything} == {str(world.tenant.id)}


async def test_events_need_access_and_the_permission(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    other = await client.get("/api/v1/tenants/acme/events", headers=world.auth("other_admin"))
    assert other.status_code == 404
    work = runtime.work()
    tenant = await work.session.get(Tenant, world.tenant.id)
    assert tenant is not None
    narrow, _ = await create_api_token(work, tenant, "form", DEFAULT_TOKEN_SCOPES)
    await work.commit()
    await work.session.close()
    refused = await client.get(
        "/api/v1/tenants/acme/events", headers={"Authorization": f"Bearer {narrow}"}
    )
    assert refused.status_code == 403
    assert "events.read" in refused.json()["error"]["message"]
    bad = await client.get(
        "/api/v1/tenants/acme/events", params={"after": -1}, headers=world.auth("agent")
    )
    assert bad.status_code == 422


async def test_nul_and_numbers_beyond_64_bits_are_refused_on_the_socket(
    world: World, server: Server
) -> None:
    code, reason = await closing(server.ws(token=world.tokens["agent"], last_event_id=2**70))
    assert code == 4400
    assert reason.startswith("last_event_id must be a whole number >= 0")
    with pytest.raises(InvalidStatus) as refused:  # the boundary check refuses the handshake
        await closing(server.ws(token=world.tokens["agent"] + "\x00"))
    assert refused.value.response.status_code == 403
    async with connect(server.ws(token=world.tokens["agent"])) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send(json.dumps({"ref": 1, "type": "typing", "interaction_id": "a\x00b"}))
        reply = await receive(ws)
    assert reply == {
        "type": "reply",
        "ref": 1,
        "ok": False,
        "error": {
            "code": "invalid_input",
            "message": "interaction_id: must not contain a NUL character (\\0)",
        },
    }
