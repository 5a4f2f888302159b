"""Wait estimates: only what competes for the same places counts; hours only when nobody can
take the contact. The demo's situation replayed: the widget said "about 572 min" and
/position "after opening" while an agent with free chat places took the chat in 30 s."""

from datetime import UTC, datetime
from typing import Any

import httpx

from omniline.demo_routing import PROFILES, QUEUES
from omniline.runtime import Runtime
from tests.channels.webchat.helpers import CHAT, enable, start, visitor
from tests.conftest import World
from tests.routing.conftest import Clock, Desk

# the demo tenant's hours: weekdays 08-20, Saturday 09-14, Sunday closed (Europe/Warsaw)
WEEK = {"mon": [["08:00", "20:00"]], "tue": [["08:00", "20:00"]], "wed": [["08:00", "20:00"]],
        "thu": [["08:00", "20:00"]], "fri": [["08:00", "20:00"]], "sat": [["09:00", "14:00"]],
        "sun": []}  # fmt: skip
SUNDAY_23_WARSAW = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)


def _demo(name: str) -> dict[str, Any]:
    spec = next(q for q in QUEUES if q["name"] == name)
    keep = ("channels", "priority", "sl_percent", "sl_seconds", "wrap_up_seconds")
    return {k: spec[k] for k in keep if k in spec}


async def _demo_floor(desk: Desk, clock: Clock, written: int) -> dict[str, Any]:
    """The demo's general queue with no calendar of its own (the tenant's hours), two
    'Voice + chat' agents available, a written agent on a break and e-mails waiting."""
    clock.now = SUNDAY_23_WARSAW
    await desk.ok(
        "PATCH", "", json={"timezone": "Europe/Warsaw", "business_calendar": {"week": WEEK}}
    )
    general = await desk.ok("POST", "/queues", json={"name": "general", **_demo("general")})
    voice_chat = next(p for p in PROFILES if p.name == "Voice + chat")
    member = [{"queue_id": general["id"], "priority": 3, "delay": 30}]  # as in the demo
    for who in ("agent", "supervisor"):
        await desk.agent(
            who, member, capacity=voice_chat.capacity, blocks=voice_chat.blocks,
            auto_accept=voice_chat.auto_accept,
        )  # fmt: skip
    await desk.agent("admin", member, capacity={"email": 5, "webform": 5}, available=False)
    for _ in range(written):
        await desk.contact(channel="email")
    return general


async def test_a_chat_with_free_chat_places_waits_only_the_queues_delay_even_after_hours(
    client: httpx.AsyncClient, world: World, runtime: Runtime, clock: Clock
) -> None:
    desk = Desk(client, world, runtime)
    await _demo_floor(desk, clock, written=12)
    await enable(client, world)
    config = await client.get(f"{CHAT}/config", headers=visitor())
    assert config.json()["estimated_wait_seconds"] == 30  # not hours behind the e-mails
    assert config.json()["open"] is True
    assert config.json()["busy"] is False
    chat = await start(client)
    await runtime.router.settle()
    status = (await client.get(f"{CHAT}/messages", headers=visitor(chat["token"]))).json()
    assert status["status"]["state"] == "waiting"
    assert status["status"]["estimated_wait_seconds"] == 30
    iid = (await desk.ok("GET", "/interactions", params={"channel": "webchat"}))["items"][0]["id"]
    place = await desk.ok("GET", f"/interactions/{iid}/position")
    assert place["estimated_wait_seconds"] == 30
    assert place["basis"] == "free_agent_now"  # never "after opening": someone takes it
    assert place["open_now"] is False
    email = (await desk.ok("GET", "/interactions", params={"channel": "email"}))["items"][-1]
    late = await desk.ok("GET", f"/interactions/{email['id']}/position")
    assert late["basis"].endswith("_after_opening")  # nobody who takes e-mail is available
    clock.advance(31)
    await desk.tick()
    assert (await desk.routed(iid))["status"] in ("offered", "active")  # as estimated


async def test_nobody_available_waits_for_opening_and_a_queue_without_hours_is_always_open(
    client: httpx.AsyncClient, world: World, runtime: Runtime, clock: Clock
) -> None:
    desk = Desk(client, world, runtime)
    clock.now = SUNDAY_23_WARSAW
    await desk.ok(
        "PATCH", "", json={"timezone": "Europe/Warsaw", "business_calendar": {"week": WEEK}}
    )
    shut = await desk.ok("POST", "/queues", json={"name": "shut", "channels": ["chat"]})
    await desk.agent("agent", [{"queue_id": shut["id"]}], capacity={"chat": 2}, available=False)
    iid = await desk.contact(channel="chat")
    place = await desk.ok("GET", f"/interactions/{iid}/position")
    assert place["basis"] == "no_agent_available_after_opening"
    opens = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Warsaw
    assert place["estimated_wait_seconds"] >= (opens - clock.now).total_seconds()
    await desk.ok("PATCH", "", json={"business_calendar": {}})  # the tenant keeps no hours
    again = await desk.ok("GET", f"/interactions/{iid}/position")
    assert again["open_now"] is True
    assert again["basis"] == "no_agent_available"
    assert again["estimated_wait_seconds"] == 300
