"""An agent gets offers on the WebSocket and answers them there: accept, decline, state."""

import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from omniline.runtime import Runtime
from tests.conftest import World
from tests.realtime.conftest import Server, receive

T = "/api/v1/tenants/acme"


async def _until(ws: ClientConnection, want: str, **match: Any) -> dict[str, Any]:
    """Skip frames until one of type `want` (an event kind for events) matching `match`."""
    for _ in range(200):
        frame = await receive(ws)
        if frame["type"] == "event" and frame["event"]["kind"] == want:
            if all(frame["event"].get(k) == v for k, v in match.items()):
                return frame["event"]  # type: ignore[no-any-return]
        elif frame["type"] == want and all(frame.get(k) == v for k, v in match.items()):
            return frame
    raise AssertionError(f"no {want} frame")


async def _command(ws: ClientConnection, ref: str, **body: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"ref": ref, **body}))
    return await _until(ws, "reply", ref=ref)


async def _set_up(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    queue = await client.post(
        T + "/queues", json={"name": "chat", "channels": ["chat"], "calendar": {}}, headers=admin
    )
    profile = await client.post(
        T + "/routing-profiles",
        json={"name": "chat", "queues": [{"queue_id": queue.json()["id"]}]},
        headers=admin,
    )
    agent = world.users["agent"].id
    patched = await client.patch(
        f"{T}/agents/{agent}", json={"profile_id": profile.json()["id"]}, headers=admin
    )
    assert patched.status_code == 200, patched.text


async def _contact(client: httpx.AsyncClient, world: World, n: int) -> str:
    body = {
        "channel": "chat",
        "external_id": f"m{n}",
        "sender": {"identities": [{"kind": "email", "value": f"c{n}@example.com"}]},
        "body": "hello",
    }
    landed = await client.post("/api/v1/inbound", json=body, headers=world.auth("api"))
    assert landed.status_code == 200, landed.text
    return str(landed.json()["interaction_id"])


async def test_offers_arrive_and_are_answered_on_the_socket(
    server: Server, client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await _set_up(client, world)
    me = str(world.users["agent"].id)
    async with connect(server.ws(token=world.tokens["agent"], desk=1)) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"

        bad = await _command(ws, "1", type="state", state="break")
        assert bad["ok"] is False
        assert "lunch" in bad["error"]["message"]
        ready = await _command(ws, "2", type="state", state="available")
        assert ready["ok"] is True, ready
        assert ready["result"]["state"] == "available"

        first = await _contact(client, world, 1)
        offer = await _until(ws, "interaction.offered", interaction_id=first)
        assert offer["data"]["agent_id"] == me
        declined = await _command(ws, "3", type="decline", interaction_id=first)
        assert declined["result"]["status"] == "queued"

        second = await _contact(client, world, 2)
        await _until(ws, "interaction.offered", interaction_id=second)
        accepted = await _command(ws, "4", type="accept", interaction_id=second)
        assert accepted["ok"] is True
        assert accepted["result"]["status"] == "active"
        again = await _command(ws, "5", type="accept", interaction_id=first)
        assert again["ok"] is False
        assert again["error"]["code"] == "conflict"

        await ws.send("not json")
        garbled = await _until(ws, "reply")
        assert garbled["ok"] is False
        unknown = await _command(ws, "6", type="launch")
        assert "unknown command" in unknown["error"]["message"]
    await runtime.router.settle()
