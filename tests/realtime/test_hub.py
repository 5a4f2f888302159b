"""The hub and a client's stream: order, gaps filled from the database, overflow."""

import dataclasses

import pytest

from omniline.journal.work import Work
from omniline.realtime import hub as hub_module
from omniline.realtime.bus import EventView
from omniline.realtime.hub import Overflowed, Stream
from omniline.runtime import Runtime
from tests.conftest import World


async def emit(runtime: Runtime, world: World, count: int) -> list[EventView]:
    """Commit `count` events of acme; returns them as the bus saw them."""
    work: Work = runtime.work()
    try:
        for n in range(count):
            work.emit(world.tenant.id, "test.ping", {"n": n})
        return [EventView.of(e) for e in await work.commit()]
    finally:
        await work.session.close()


async def test_events_out_of_order_are_filled_from_the_database(
    runtime: Runtime, world: World
) -> None:
    start = await runtime.hub.head(world.tenant.id)
    events = await emit(runtime, world, 3)  # delivered live too: drained below
    sub = runtime.hub.subscribe(frozenset({world.tenant.id}))
    stream = Stream(runtime.hub, world.tenant.id, sub, last=start)
    try:
        # as if another process's bus message arrived first, then the older one twice
        sub.push(events[2])
        sub.push(events[0])
        sub.push(events[0])
        got = await stream.next(1.0)
        assert got is not None
        assert [e.seq for e in got] == [start + 1, start + 2, start + 3]
        assert [e.data for e in got] == [{"n": 0}, {"n": 1}, {"n": 2}]
        assert stream.last == start + 3
        assert await stream.next(0.05) is None
    finally:
        runtime.hub.unsubscribe(sub)


async def test_other_tenants_events_are_not_delivered(runtime: Runtime, world: World) -> None:
    sub = runtime.hub.subscribe(frozenset({world.tenant.id}))
    try:
        work = runtime.work()
        work.emit(world.other.id, "test.ping")
        await work.commit()
        await work.session.close()
        assert sub.queue.empty()
        [mine] = await emit(runtime, world, 1)
        assert sub.queue.get_nowait() == mine
    finally:
        runtime.hub.unsubscribe(sub)


async def test_catch_up_reads_the_stored_events_page_by_page(
    runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "LOAD_LIMIT", 2)
    start = await runtime.hub.head(world.tenant.id)
    await emit(runtime, world, 5)
    sub = runtime.hub.subscribe(frozenset({world.tenant.id}))
    try:
        stream = Stream(runtime.hub, world.tenant.id, sub, last=start)
        pages = [await stream.catch_up() for _ in range(4)]
        assert [[e.seq - start for e in page] for page in pages] == [[1, 2], [3, 4], [5], []]
    finally:
        runtime.hub.unsubscribe(sub)


async def test_a_full_queue_cuts_the_client_off(
    runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_LIMIT", 2)
    sub = runtime.hub.subscribe(frozenset({world.tenant.id}))
    try:
        stream = Stream(runtime.hub, world.tenant.id, sub, last=0)
        event = (await emit(runtime, world, 3))[0]
        assert sub.overflowed
        sub.push(dataclasses.replace(event, seq=99))  # ignored once cut off
        with pytest.raises(Overflowed):
            await stream.next(1.0)
    finally:
        runtime.hub.unsubscribe(sub)
