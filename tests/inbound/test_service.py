"""The rules that tie a new contact to a customer, a case and an interaction."""

import asyncio
from datetime import timedelta

import pytest

from omniline.channels.base import InboundMessage
from omniline.channels.catalog import BUILT_IN
from omniline.customers.service import IdentityClaim
from omniline.inbound import service
from omniline.interactions import service as interactions
from omniline.kit.clock import set_clock, utcnow
from omniline.kit.errors import InvalidInput
from omniline.models import Tenant
from omniline.reasons import service as reasons
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant


def message(
    ext: str, *claims: tuple[str, str], channel: str = "webform", **extra: object
) -> InboundMessage:
    sender = [IdentityClaim(k, v) for k, v in claims] or [IdentityClaim("email", "ada@example.com")]
    return InboundMessage(channel=channel, external_id=ext, sender=sender, body="hi", **extra)  # type: ignore[arg-type]


@pytest.fixture
async def tenant(runtime: Runtime) -> Tenant:
    work = runtime.work()
    row = await create_tenant(work, slug="bank", name="Bank", default_region="PL")
    await reasons.create_reason(work, row, code="cards", name="Cards")
    await reasons.create_reason(work, row, code="loans", name="Loans")
    await work.commit()
    await work.session.close()
    return row


async def accept(
    runtime: Runtime, tenant: Tenant, msg: InboundMessage, end: bool = False
) -> service.Accepted:
    work = runtime.work()
    try:
        landed = await service.accept(work, tenant, msg)
        if end:
            row = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
            interactions.step(work, tenant, row, "ended")
        await work.commit()
        return landed
    finally:
        await work.session.close()


async def test_phone_written_two_ways_is_one_customer(runtime: Runtime, tenant: Tenant) -> None:
    first = await accept(runtime, tenant, message("1", ("phone", "+48 601 234 567")))
    second = await accept(runtime, tenant, message("2", ("phone", "601-234-567"), channel="sms"))
    assert second.customer_id == first.customer_id


async def test_new_identity_sent_with_a_known_one_joins_that_customer(
    runtime: Runtime, tenant: Tenant
) -> None:
    first = await accept(runtime, tenant, message("1", ("email", "ada@example.com")))
    both = message("2", ("email", "Ada@Example.com"), ("telegram", "@AdaL"), channel="telegram")
    await accept(runtime, tenant, both)
    third = await accept(runtime, tenant, message("3", ("telegram", "adal"), channel="telegram"))
    assert third.customer_id == first.customer_id


async def test_new_interaction_joins_open_case_within_window(
    runtime: Runtime, tenant: Tenant
) -> None:
    chat = await accept(runtime, tenant, message("1", reason_code="cards"), end=True)
    call = await accept(runtime, tenant, message("2", channel="voice", reason_code="cards"))
    assert call.case_id == chat.case_id
    assert call.interaction_id != chat.interaction_id
    assert call.new_interaction
    assert not call.new_case


async def test_other_reason_opens_another_case(runtime: Runtime, tenant: Tenant) -> None:
    cards = await accept(runtime, tenant, message("1", reason_code="cards"), end=True)
    loans = await accept(runtime, tenant, message("2", channel="voice", reason_code="loans"))
    assert loans.case_id != cards.case_id
    assert loans.case_number == cards.case_number + 1


async def test_contact_after_the_window_opens_a_new_case(runtime: Runtime, tenant: Tenant) -> None:
    old = await accept(runtime, tenant, message("1", reason_code="cards"), end=True)
    later = utcnow() + timedelta(hours=73)
    set_clock(lambda: later)
    try:
        new = await accept(runtime, tenant, message("2", channel="voice", reason_code="cards"))
    finally:
        set_clock(None)
    assert new.case_id != old.case_id


async def test_unknown_reason_is_named(runtime: Runtime, tenant: Tenant) -> None:
    with pytest.raises(InvalidInput, match="unknown contact reason 'pets'"):
        await accept(runtime, tenant, message("1", reason_code="pets"))


async def test_every_step_is_in_the_interaction_log_in_order(
    runtime: Runtime, tenant: Tenant
) -> None:
    landed = await accept(runtime, tenant, message("1"))
    work = runtime.work()
    row = await interactions.get_interaction_or_raise(work, tenant, landed.interaction_id)
    for step in ("queued", "offered", "answered", "held", "resumed", "ended", "wrapped_up"):
        interactions.step(work, tenant, row, step)
    await work.commit()
    log = await interactions.interaction_events(work.session, tenant.id, row.id)
    await work.session.close()
    kinds = [e.kind for e in log]
    assert kinds == [
        "interaction.created",
        "message.created",
        "interaction.queued",
        "interaction.offered",
        "interaction.answered",
        "interaction.held",
        "interaction.resumed",
        "interaction.ended",
        "interaction.wrapped_up",
    ]
    assert [e.seq for e in log] == sorted(e.seq for e in log)
    assert row.answered_at is not None
    assert row.wrapped_up_at is not None


CHANNELS = sorted(BUILT_IN)


async def test_a_new_sender_writing_many_times_at_once_is_one_customer(
    runtime: Runtime, tenant: Tenant
) -> None:
    claim = ("email", "burst@example.com")
    landed = await asyncio.gather(
        *(
            accept(runtime, tenant, message(f"b{i}", claim, channel=CHANNELS[i % len(CHANNELS)]))
            for i in range(12)
        )
    )
    assert len({a.customer_id for a in landed}) == 1
    assert len({a.case_number for a in landed}) == len({a.case_id for a in landed})
