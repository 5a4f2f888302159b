"""Storing inbound messages in a batch gives exactly what storing them one by one gives.

A property test: hypothesis draws short sequences of messages from small pools of senders,
threads, reasons and provider ids, so that senders meet again, identities link, threads
continue and provider ids repeat. Each sequence is stored three ways in three fresh tenants
of one database (one message per transaction; the whole sequence in one `accept_many`; random
chunks, each one `accept_many` and a commit) and the three results are compared.
"""

import asyncio
import copy
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from omniline.channels.base import InboundMessage
from omniline.config import Settings
from omniline.customers.service import IdentityClaim
from omniline.inbound import service
from omniline.inbound.batch import accept_many
from omniline.kit.errors import Conflict, InvalidInput
from omniline.models import (
    Case,
    ContactReason,
    Customer,
    CustomerIdentity,
    Event,
    Interaction,
    Message,
    Tenant,
)
from omniline.reasons import service as reasons
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

PG_URL = os.environ.get("OMNILINE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
EXAMPLES = {"sqlite": 60, "postgresql": 20}

# small pools, so that senders, threads and provider ids meet again
EMAILS = [
    "ada@example.com",
    "Ada@Example.com",
    "ADA@EXAMPLE.COM",
    "bob@example.com",
    "Bob@Example.COM",
    "cy@example.org",
    "dee@example.net",
    "Dee@example.net",
]
PHONES = [
    "+48 601 234 567",
    "601-234-567",
    "0048 601 234 567",
    "+48 512 345 678",
    "512345678",
    "(22) 123-45-67",
    "+48221234567",
]
HANDLES = ["@AdaL", "adal", "@bobby", "Bobby", "cyx"]
CHANNELS = ["webform", "sms", "voice"]
THREADS = [None, None, "t1", "t2"]
REASONS = [None, None, "cards", "loans"]
EXTERNAL_IDS = [f"m{i}" for i in range(1, 8)]

claims = st.one_of(
    st.sampled_from(EMAILS).map(lambda v: IdentityClaim("email", v)),
    st.sampled_from(PHONES).map(lambda v: IdentityClaim("phone", v)),
)
handles = st.sampled_from(HANDLES).map(lambda v: IdentityClaim("telegram", v))
# a sender is an e-mail or a phone, sometimes with a second identity that links to it
senders = st.tuples(claims, st.none() | handles | claims).map(
    lambda pair: [c for c in pair if c is not None]
)


messages = st.builds(
    InboundMessage,
    channel=st.sampled_from(CHANNELS),
    external_id=st.sampled_from(EXTERNAL_IDS),
    sender=senders,
    sender_name=st.sampled_from(["", "", "Ada", "Bob"]),
    thread_ref=st.sampled_from(THREADS),
    subject=st.sampled_from(["", "Card blocked"]),
    reason_code=st.sampled_from(REASONS),
)


class Scenario:
    """Messages to store, and the same messages cut into consecutive chunks."""

    def __init__(self, messages: list[InboundMessage], chunks: list[list[InboundMessage]]):
        self.messages = messages
        self.chunks = chunks

    def __repr__(self) -> str:
        return f"<{len(self.messages)} messages in chunks of {[len(c) for c in self.chunks]}>"

    def describe(self) -> str:
        """One line per message, for the report of a failing example."""
        lines = [repr(self), *(_line(i, m) for i, m in enumerate(self.messages))]
        return "\n  ".join(lines)


def _line(position: int, msg: InboundMessage) -> str:
    sender = " + ".join(f"{c.kind}:{c.value}" for c in msg.sender)
    return (
        f"{position}: {msg.channel}/{msg.external_id} from {sender} "
        f"name={msg.sender_name!r} thread={msg.thread_ref} reason={msg.reason_code} "
        f"subject={msg.subject!r}"
    )


def _numbered(listed: list[InboundMessage]) -> list[InboundMessage]:
    """The messages with bodies naming their positions, so that stored ones can be told apart."""
    return [replace(msg, body=f"#{i}") for i, msg in enumerate(listed)]


def _resent(listed: list[InboundMessage], changed: list[bool]) -> list[InboundMessage]:
    """A provider id used again is the same message sent again (a retry), unless `changed`:
    then it is another message under a used id, which is a conflict."""
    first: dict[tuple[str, str], InboundMessage] = {}
    made = []
    for msg, change in zip(listed, changed, strict=True):
        key = (msg.channel, msg.external_id)
        earlier = first.setdefault(key, msg)
        made.append(msg if change or earlier is msg else copy.deepcopy(earlier))
    return made


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """1-25 messages, and a random split of them into consecutive chunks."""
    # each message carries whether a new chunk starts with it, and whether a reused provider
    # id comes with another payload: shrinking drops them together
    flags = st.tuples(messages, st.booleans(), st.sampled_from([False, False, False, True]))
    drawn = draw(st.lists(flags, min_size=1, max_size=25))
    listed = _resent(_numbered([msg for msg, _, _ in drawn]), [c for _, _, c in drawn])
    chunks: list[list[InboundMessage]] = []
    for msg, (_, cut, _) in zip(listed, drawn, strict=True):
        if cut or not chunks:
            chunks.append([])
        chunks[-1].append(msg)
    return Scenario(listed, chunks)


def _thread_taken_over() -> Scenario:
    """Bob writes into Ada's thread, then his message arrives again (found by this test)."""
    ada, bob = (
        [IdentityClaim("email", "ada@example.com")],
        [IdentityClaim("email", "bob@example.com")],
    )
    listed = _numbered(
        [
            InboundMessage(channel="sms", external_id="m1", sender=ada, thread_ref="t1"),
            InboundMessage(channel="sms", external_id="m2", sender=bob, thread_ref="t1"),
            InboundMessage(channel="sms", external_id="m2", sender=bob),
        ]
    )
    return Scenario(listed, [listed[:2], listed[2:]])


# --- storing the three ways --------------------------------------------------------------


async def _tenant(runtime: Runtime) -> Tenant:
    work = runtime.work()
    slug = f"eq-{uuid.uuid4().hex[:12]}"
    try:
        tenant = await create_tenant(work, slug=slug, name=slug, default_region="PL")
        await reasons.create_reason(work, tenant, code="cards", name="Cards")
        await reasons.create_reason(work, tenant, code="loans", name="Loans")
        await work.commit()
        return tenant
    finally:
        await work.session.close()


# where a message landed, or None: refused as a conflict (its id was used for another payload)
Landed = service.Accepted | None


async def _one_by_one(
    runtime: Runtime, tenant: Tenant, messages: Sequence[InboundMessage]
) -> list[Landed]:
    landed: list[Landed] = []
    for msg in messages:
        work = runtime.work()
        try:
            landed.append(await service.accept(work, tenant, msg))
            await work.commit()
        except Conflict:
            await work.rollback()
            landed.append(None)
        finally:
            await work.session.close()
    return landed


async def _in_batches(
    runtime: Runtime, tenant: Tenant, chunks: Sequence[Sequence[InboundMessage]]
) -> tuple[list[Landed], list[bool]]:
    """Each chunk in one `accept_many`; a chunk refused for a conflict is stored one by one,
    as the ingestor does. Also says which chunks were refused."""
    landed: list[Landed] = []
    refused: list[bool] = []
    for chunk in chunks:
        work = runtime.work()
        try:
            accepted: list[Landed] = list(await accept_many(work, tenant, list(chunk)))
            await work.commit()
        except Conflict:
            await work.rollback()
            accepted = []
        finally:
            await work.session.close()
        refused.append(not accepted)
        if not accepted:
            accepted = await _one_by_one(runtime, tenant, chunk)
        assert len(accepted) == len(chunk)
        landed.extend(accepted)
    return landed, refused


# --- what a tenant holds afterwards, in a form that does not depend on ids ---------------


@dataclass
class Outcome:
    """A tenant's result with ids replaced by the position at which they first appear."""

    flags: list[tuple[Any, ...]]
    links: list[tuple[int, ...]]
    details: list[tuple[Any, ...]]
    counts: dict[str, int]
    customers: set[frozenset[tuple[str, str]]]
    events: list[str]


def _labels(rows: Sequence[tuple[uuid.UUID, ...]]) -> list[tuple[int, ...]]:
    """Each id replaced by the order of its first appearance: equal iff same partition."""
    seen: dict[uuid.UUID, int] = {}
    return [tuple(seen.setdefault(x, len(seen)) for x in row) for row in rows]


async def _rows(runtime: Runtime, tenant: Tenant, model: Any) -> dict[uuid.UUID, Any]:
    async with runtime.sessions() as session:
        found = await session.scalars(select(model).where(model.tenant_id == tenant.id))
        return {row.id: row for row in found}


async def _outcome(runtime: Runtime, tenant: Tenant, landed: list[Landed]) -> Outcome:
    customers = await _rows(runtime, tenant, Customer)
    identities = await _rows(runtime, tenant, CustomerIdentity)
    cases = await _rows(runtime, tenant, Case)
    interactions = await _rows(runtime, tenant, Interaction)
    messages = await _rows(runtime, tenant, Message)
    codes = {r.id: r.code for r in (await _rows(runtime, tenant, ContactReason)).values()}
    async with runtime.sessions() as session:
        kinds = await session.scalars(
            select(Event.kind).where(Event.tenant_id == tenant.id).order_by(Event.seq)
        )
        events = list(kinds)
    links: list[tuple[uuid.UUID, ...]] = []
    details: list[tuple[Any, ...]] = []
    for a in landed:
        if a is None:
            continue
        message = messages[a.message_id]
        interaction = interactions[a.interaction_id]
        case = cases[a.case_id]
        customer = customers[a.customer_id]
        assert message.interaction_id == interaction.id
        assert interaction.case_id == case.id
        assert case.number == a.case_number
        links.append((a.customer_id, a.case_id, a.interaction_id, a.message_id,
                      interaction.customer_id, case.customer_id))  # fmt: skip
        details.append(
            (
                message.channel,
                message.external_id,
                message.body,
                interaction.channel,
                interaction.thread_ref,
                str(interaction.status),
                case.number,
                str(case.status),
                codes.get(case.reason_id) if case.reason_id else None,
                case.first_channel,
                case.subject,
                customer.display_name,
            )
        )
    held: dict[uuid.UUID, set[tuple[str, str]]] = defaultdict(set)
    for row in identities.values():
        held[row.customer_id].add((row.kind, row.value))
    return Outcome(
        flags=[
            (a.duplicate, a.new_case, a.new_interaction, a.case_number) if a else ("conflict",)
            for a in landed
        ],
        links=_labels(links),
        details=details,
        counts={
            "customers": len(customers),
            "identities": len(identities),
            "cases": len(cases),
            "interactions": len(interactions),
            "messages": len(messages),
        },
        customers={frozenset(held[c]) for c in customers},
        events=events,
    )


def _compare(name: str, expected: Outcome, got: Outcome) -> None:
    for position, (want, have) in enumerate(zip(expected.flags, got.flags, strict=True)):
        assert have == want, (
            f"{name}: message {position} landed with (duplicate, new_case, new_interaction, "
            f"case_number) {have}, one by one gives {want}"
        )
    for position, (want, have) in enumerate(zip(expected.links, got.links, strict=True)):
        assert have == want, (
            f"{name}: message {position} is grouped differently: (customer, case, interaction, "
            f"message, interaction's customer, case's customer) labels {have}, one by one {want}"
        )
    for position, (want, have) in enumerate(zip(expected.details, got.details, strict=True)):
        assert have == want, f"{name}: message {position} stored as {have}, one by one {want}"
    assert got.counts == expected.counts, f"{name}: rows {got.counts}, one by one {expected.counts}"
    assert got.customers == expected.customers, f"{name}: customers hold other identities"
    assert got.events == expected.events, (
        f"{name}: events {got.events}, one by one {expected.events}"
    )


async def _started(url: str, data_dir: Path) -> Runtime:
    runtime = Runtime.build(
        Settings(
            database_url=url, data_dir=data_dir, dev=True, worker_in_process=False, redis_url=None
        )
    )
    await runtime.start(worker=False)
    return runtime


async def _check(runtime: Runtime, scenario: Scenario) -> None:
    one, batch, chunked = [await _tenant(runtime) for _ in range(3)]
    # each way gets its own copies: a change one makes to a message must not reach another
    singly = await _one_by_one(runtime, one, copy.deepcopy(scenario.messages))
    whole, whole_refused = await _in_batches(runtime, batch, [copy.deepcopy(scenario.messages)])
    parts, parts_refused = await _in_batches(runtime, chunked, copy.deepcopy(scenario.chunks))
    expected = await _outcome(runtime, one, singly)
    # a batch is refused exactly when one by one refuses one of its messages
    assert whole_refused == [None in singly], "one accept_many: conflicts differ"
    ends = [len(c) for c in scenario.chunks]
    starts = [sum(ends[:i]) for i in range(len(ends))]
    conflicting = [None in singly[a : a + n] for a, n in zip(starts, ends, strict=True)]
    assert parts_refused == conflicting, "accept_many per chunk: conflicts differ"
    _compare("one accept_many", expected, await _outcome(runtime, batch, whole))
    _compare("accept_many per chunk", expected, await _outcome(runtime, chunked, parts))


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_migrated: str | None
) -> tuple[str, str]:
    """(backend, url) of a migrated database; every example uses fresh tenants in it."""
    if request.param == "sqlite":
        path = tmp_path / "omniline.db"
        shutil.copy(sqlite_template, path)
        return "sqlite", f"sqlite:///{path}"
    assert pg_migrated is not None
    return "postgresql", pg_migrated


def test_batch_lands_every_message_where_one_by_one_does(
    database: tuple[str, str], tmp_path: Path
) -> None:
    backend, url = database
    # one event loop and one runtime for all examples; fresh tenants keep examples apart
    with asyncio.Runner() as runner:
        runtime = runner.run(_started(url, tmp_path))

        @settings(
            max_examples=EXAMPLES[backend],
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            report_multiple_bugs=False,
            # no "explain" phase: it replays the slow example many times for little insight
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        )
        @given(scenarios())
        @example(_thread_taken_over())
        def check(scenario: Scenario) -> None:
            note(scenario.describe())
            runner.run(_check(runtime, scenario))

        try:
            check()
        finally:
            runner.run(runtime.stop())


# --- a batch that cannot be stored leaves nothing behind ---------------------------------


async def test_unknown_reason_code_rejects_the_whole_batch(runtime: Runtime) -> None:
    tenant = await _tenant(runtime)
    first = InboundMessage(
        channel="sms", external_id="m0", sender=[IdentityClaim("phone", "601-234-567")]
    )
    await _one_by_one(runtime, tenant, [first])
    batch = [
        InboundMessage(
            channel="webform",
            external_id="m1",
            sender=[IdentityClaim("email", "ada@example.com"), IdentityClaim("telegram", "@adal")],
            reason_code="cards",
        ),
        InboundMessage(
            channel="sms", external_id="m2", sender=[IdentityClaim("phone", "+48 601 234 567")]
        ),
        InboundMessage(
            channel="voice",
            external_id="m3",
            sender=[IdentityClaim("email", "bob@example.com")],
            reason_code="mortgages",
        ),
    ]
    work = runtime.work()
    try:
        with pytest.raises(InvalidInput, match="mortgages"):
            await accept_many(work, tenant, batch)
        await work.rollback()
        assert not work.session.new
        assert not work.session.dirty
        await work.commit()  # anything the batch left pending would be written now
    finally:
        await work.session.close()
    assert await _counts(runtime, tenant) == {
        "customers": 1,
        "identities": 1,
        "cases": 1,
        "interactions": 1,
        "messages": 1,
    }
    async with runtime.sessions() as session:
        kinds = list(await session.scalars(select(Event.kind).where(Event.tenant_id == tenant.id)))
    assert kinds.count("message.created") == 1
    assert kinds.count("customer.created") == 1


async def _counts(runtime: Runtime, tenant: Tenant) -> dict[str, int]:
    models: dict[str, Any] = {
        "customers": Customer,
        "identities": CustomerIdentity,
        "cases": Case,
        "interactions": Interaction,
        "messages": Message,
    }
    counts = {}
    async with runtime.sessions() as session:
        for name, model in models.items():
            query = select(func.count()).select_from(model).where(model.tenant_id == tenant.id)
            counts[name] = int(await session.scalar(query) or 0)
    return counts


async def test_an_id_reused_for_another_payload_in_one_batch_refuses_it(runtime: Runtime) -> None:
    tenant = await _tenant(runtime)
    ada = [IdentityClaim("email", "ada@example.com")]
    batch = [
        InboundMessage(channel="sms", external_id="m1", sender=ada, body="first"),
        InboundMessage(channel="sms", external_id="m1", sender=ada, body="first"),
        InboundMessage(channel="sms", external_id="m1", sender=ada, body="second"),
    ]
    work = runtime.work()
    try:
        with pytest.raises(Conflict, match="already used for another message"):
            await accept_many(work, tenant, batch)
        await work.rollback()
        landed = await accept_many(work, tenant, batch[:2])
        await work.commit()
    finally:
        await work.session.close()
    assert [a.duplicate for a in landed] == [False, True]
    assert (await _counts(runtime, tenant))["messages"] == 1
