"""Ephemeral signals: delivered to the listeners of their tenant, never stored, never queued up."""

import asyncio
import uuid

import pytest

from omniline.realtime import signals
from omniline.realtime.bus import LocalBus, RedisBus
from omniline.realtime.signals import LocalSignals, RedisSignals, Signal
from tests.conftest import REDIS_URL


def _typing(tenant: uuid.UUID, n: int = 0) -> Signal:
    return Signal(tenant, uuid.uuid4(), "typing", "visitor", {"typing": True, "n": n})


async def test_listeners_hear_their_tenant_only() -> None:
    hub = LocalSignals()
    acme, globex = uuid.uuid4(), uuid.uuid4()
    mine, theirs = hub.listen(acme), hub.listen(globex)
    sent = _typing(acme)
    await hub.publish(sent)
    assert mine.queue.get_nowait() == sent
    assert theirs.queue.empty()
    hub.stop_listening(mine)
    await hub.publish(_typing(acme))
    assert mine.queue.empty()


async def test_a_slow_listener_loses_old_signals_not_new_ones() -> None:
    hub = LocalSignals()
    tenant = uuid.uuid4()
    listening = hub.listen(tenant)
    for n in range(signals.QUEUE_LIMIT + 5):
        await hub.publish(_typing(tenant, n))
    assert listening.queue.qsize() == signals.QUEUE_LIMIT
    assert listening.queue.get_nowait().data["n"] == 5


def test_signals_travel_with_the_bus() -> None:
    assert isinstance(LocalBus().signals, LocalSignals)


def test_the_wire_form_reads_back() -> None:
    sent = _typing(uuid.uuid4())
    assert Signal.from_json(sent.to_json()) == sent


@pytest.mark.skipif(not REDIS_URL, reason="needs OMNILINE_TEST_REDIS_URL")
async def test_through_redis_a_signal_reaches_another_process() -> None:
    assert REDIS_URL is not None
    one, two = RedisBus(REDIS_URL), RedisBus(REDIS_URL)

    async def ignore(_: object) -> None:
        return None

    await one.start(ignore)
    await two.start(ignore)
    try:
        assert isinstance(two.signals, RedisSignals)
        tenant = uuid.uuid4()
        listening = two.signals.listen(tenant)
        await asyncio.sleep(0.2)  # the pub/sub subscription settles
        sent = _typing(tenant)
        await one.signals.publish(sent)
        assert await asyncio.wait_for(listening.queue.get(), 5) == sent
    finally:
        await one.close()
        await two.close()
