"""Routing through the service, on SQLite and PostgreSQL: assignments per second of passes.

    .venv/bin/python bench/routing.py service --backend both

A tenant with 200 queues, 2,000 agents (20 skills, profiles of several queues, capacity
1 call or 3 chats or 5 e-mails) all available. Each round stores a batch of new inbound
contacts (through the real ingest path, not timed), then runs routing passes until no more
can be assigned (timed: admission into queues, boosts, response clocks, the engine, the
offers and their events, the commit), then ends every offered contact (not timed) so the
capacity is free for the next round. Reported: assignments per second of pass time, and the
time of one pass.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.channels.base import IdentityClaim, InboundMessage
from omniline.config import Settings
from omniline.inbound.batch import accept_many
from omniline.kit.clock import set_clock, utcnow
from omniline.migrate import upgrade_async
from omniline.models import Interaction, InteractionStatus, Queue, Tenant
from omniline.routing import service as routing
from omniline.routing.passes import run_pass
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from omniline.users.service import add_membership, create_user

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/bench_routing"
CHANNELS = ("voice", "chat", "email")


@dataclass
class Outcome:
    backend: str
    assigned: int = 0
    seconds: float = 0.0
    pass_seconds: list[float] = field(default_factory=list)
    # one new contact, then one pass: the latency a customer sees on a busy tenant
    single_seconds: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.assigned / self.seconds if self.seconds else 0.0


async def _set_up(runtime: Runtime, agents: int, queues: int, skills: int, seed: int) -> Tenant:
    rng = random.Random(seed)
    work = runtime.work(route=False)
    tenant = await create_tenant(work, slug="bench", name="Bench")
    await work.session.flush()
    made_queues = []
    for n in range(queues):
        channel = CHANNELS[n % 3]
        skill = f"s{n % skills}"
        steps = [{"after": 0, "skill": skill, "min_level": 3}, {"after": 30}]
        fields = {
            "name": f"q{n:03d}",
            "channels": [channel],
            "calendar": {},
            "steps": steps,
            "first_response_seconds": 3600 if channel == "email" else None,
        }
        made_queues.append(await routing.create_queue(work, tenant, fields))
    await work.session.flush()
    profiles = []
    for n in range(queues // 2):
        picked = rng.sample(made_queues, 5)
        members = [
            {"queue_id": str(q.id), "priority": 1 + i % 2, "delay": 0} for i, q in enumerate(picked)
        ]
        fields = {
            "name": f"p{n:03d}",
            "queues": members,
            "capacity": {"voice": 1, "chat": 3, "email": 5},
            "blocks": {"voice": ["chat", "email"]},
        }
        profiles.append(await routing.create_profile(work, tenant, fields))
    await work.session.flush()
    for n in range(agents):
        user = await create_user(work, email=f"a{n}@bench.test", name=f"A{n}", password=None)
        await work.session.flush()
        await add_membership(work, tenant, user, "agent")
        await work.session.flush()
        agent = await routing.get_or_make_agent(work, tenant, user.id)
        agent.profile_id = profiles[n % len(profiles)].id
        agent.skills = {f"s{k}": rng.randint(1, 5) for k in rng.sample(range(skills), 4)}
        await routing.change_state(work, tenant, agent, routing.AgentState.AVAILABLE, None)
    await work.commit()
    await work.session.close()
    return tenant


async def _contacts(runtime: Runtime, tenant: Tenant, count: int, start: int) -> None:
    """Store `count` new inbound contacts through the batch ingest path (not timed)."""
    for first in range(start, start + count, 500):
        work = runtime.work(route=False)
        fresh = await work.session.get(Tenant, tenant.id)
        assert fresh is not None
        messages = [
            InboundMessage(
                channel=CHANNELS[n % 3],
                external_id=f"m{n}",
                sender=[IdentityClaim("email", f"c{n % 50_000}@ex.com")],
                body="hello",
                thread_ref=f"t{n}",
            )
            for n in range(first, min(first + 500, start + count))
        ]
        await accept_many(work, fresh, messages)
        await work.commit()
        await work.session.close()
    await _pick_queues(runtime, tenant, start)


async def _pick_queues(runtime: Runtime, tenant: Tenant, seed: int) -> None:
    """Each new contact names one of the queues of its channel, as an entry point would."""
    rng = random.Random(seed)
    async with runtime.sessions() as session, session.begin():
        rows = await session.execute(
            select(Interaction.id, Interaction.channel).where(
                Interaction.tenant_id == tenant.id, Interaction.admitted_at.is_(None)
            )
        )
        names = {c: [q.name for q in await _queues(session, tenant, c)] for c in CHANNELS}
        picks = [{"id": i, "queue": rng.choice(names[c])} for i, c in rows]
        await session.execute(update(Interaction), picks)  # by primary key


async def _queues(session: AsyncSession, tenant: Tenant, channel: str) -> list[Queue]:
    return [q for q in await routing.list_queues(session, tenant.id) if channel in q.channels]


async def _free_everyone(runtime: Runtime, tenant: Tenant) -> None:
    """Every offered contact ends (not timed): the agents' capacity is free again."""
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(Interaction)
            .where(
                Interaction.tenant_id == tenant.id,
                Interaction.status == InteractionStatus.OFFERED,
            )
            .values(status=InteractionStatus.ENDED, ended_at=utcnow(), offer_expires_at=None)
        )


async def _passes(runtime: Runtime, tenant: Tenant, outcome: Outcome) -> None:
    while True:
        work = runtime.work(route=False)
        fresh = await work.session.get(Tenant, tenant.id)
        assert fresh is not None
        began = time.perf_counter()
        result = await run_pass(work, fresh)
        await work.commit()
        spent = time.perf_counter() - began
        await work.session.close()
        outcome.seconds += spent
        outcome.pass_seconds.append(spent)
        outcome.assigned += result.offered
        if result.offered == 0 and result.admitted == 0:
            return


async def run(backend: str, url: str, args: argparse.Namespace) -> Outcome:
    if backend == "postgresql":
        await _reset_pg(url)
    await upgrade_async(url)
    settings = Settings(database_url=url, data_dir=Path(args.data_dir), dev=True)
    runtime = Runtime.build(settings)
    outcome = Outcome(backend)
    # a fixed clock, a minute per round: what waits from one round to the next has relaxed
    # its skill requirement by then; offers never run out during a long pass
    base = datetime(2026, 11, 25, 9, tzinfo=UTC)
    minute = [0]
    set_clock(lambda: base + timedelta(minutes=minute[0]))
    try:
        tenant = await _set_up(runtime, args.agents, args.queues, args.skills, args.seed)
        for round_ in range(args.rounds):
            minute[0] = round_ + 1
            await _contacts(runtime, tenant, args.batch, round_ * args.batch)
            await _passes(runtime, tenant, outcome)
            await _free_everyone(runtime, tenant)
            print(
                f"{backend}: round {round_ + 1}/{args.rounds}: {outcome.assigned} assigned, "
                f"{outcome.rate:.0f}/s",
                file=sys.stderr,
            )
        start = args.rounds * args.batch
        for n in range(args.singles):
            await _contacts(runtime, tenant, 1, start + n)
            work = runtime.work(route=False)
            fresh = await work.session.get(Tenant, tenant.id)
            assert fresh is not None
            began = time.perf_counter()
            await run_pass(work, fresh)
            await work.commit()
            outcome.single_seconds.append(time.perf_counter() - began)
            await work.session.close()
    finally:
        set_clock(None)
        await runtime.router.stop()
        await runtime.engine.dispose()
    return outcome


async def _reset_pg(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    from omniline.kit.db import normalize_url

    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(
        normalize_url(url.rsplit("/", 1)[0] + "/postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| backend | assignments | pass time | assignments/s | passes | p50 pass | max pass |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        p50 = statistics.median(o.pass_seconds) if o.pass_seconds else 0.0
        lines.append(
            f"| {o.backend} | {o.assigned:,} | {o.seconds:.1f} s | {o.rate:,.0f} | "
            f"{len(o.pass_seconds)} | {p50 * 1000:.0f} ms | {max(o.pass_seconds) * 1000:.0f} ms |"
        )
    lines += [
        "",
        "| backend | one new contact, one pass: p50 | p99 | max | passes |",
        "|---|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        times = sorted(o.single_seconds) or [0.0]
        p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
        lines.append(
            f"| {o.backend} | {statistics.median(times) * 1000:.0f} ms | {p99 * 1000:.0f} ms | "
            f"{times[-1] * 1000:.0f} ms | {len(o.single_seconds)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=200)
    parser.add_argument("--skills", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--batch", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        args.data_dir = tmp
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            url = f"sqlite+aiosqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
            outcomes.append(
                asyncio.run(run(backend, url if backend == "sqlite" else args.pg_url, args))
            )
    print(table(outcomes))


if __name__ == "__main__":
    main()
