"""The Demo Bank tenant of `omniline serve --demo`."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import distinct, func, select

from omniline.config import Settings
from omniline.demo import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SLUG, STAFF, print_demo, seed_demo
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.clock import get_clock, utcnow
from omniline.models import (
    OPEN_INTERACTION_STATUSES,
    AgentState,
    Case,
    CaseStatus,
    Customer,
    Interaction,
    InteractionStatus,
    Message,
    Tenant,
)
from omniline.routing import repository as routing_repo
from omniline.routing import service as routing
from omniline.runtime import Runtime
from omniline.users.service import get_user_by_email, set_password
from tests.support.desks import Desks


async def _login(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEMO_PASSWORD}
    )


async def test_seeding_twice_gives_one_tenant_and_a_new_token(
    settings: Settings, runtime: Runtime
) -> None:
    clock = get_clock()
    first = await seed_demo(settings)
    second = await seed_demo(settings)
    assert (first.seeded, second.seeded) == (True, False)
    assert first.api_token != second.api_token
    async with runtime.sessions() as session:
        tenants = list(await session.scalars(select(Tenant).where(Tenant.slug == DEMO_SLUG)))
        assert len(tenants) == 1
        cases = await session.scalar(
            select(func.count()).select_from(Case).where(Case.tenant_id == tenants[0].id)
        )
    assert cases is not None
    assert cases >= 25
    assert get_clock() is clock  # seeding moved the clock back in time, and put it back


async def test_admin_logs_in_and_the_printed_token_posts_a_message(
    settings: Settings, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    info = await seed_demo(settings)
    response = await _login(client)
    assert response.status_code == 200, response.text
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json()['token']}"}
    )
    assert DEMO_SLUG in me.text
    print_demo(info, "127.0.0.1", 8000)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/docs" in out
    assert info.api_token in out
    assert DEMO_PASSWORD in out
    posted = await client.post(
        "/api/v1/inbound",
        headers={"Authorization": f"Bearer {info.api_token}"},
        json={
            "channel": "webform",
            "external_id": "try-1",
            "sender": {"identities": [{"kind": "email", "value": "maja.kowalska@example.com"}]},
            "body": "Thanks for the help last week",
            "reason": "cards.blocked",
        },
    )
    assert posted.status_code == 200, posted.text


async def test_a_second_start_restores_the_admin_login(
    settings: Settings, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await seed_demo(settings)
    work = runtime.work()
    user = await get_user_by_email(work.session, ADMIN_EMAIL)
    assert user is not None
    await set_password(work, user, "somebody changed it")
    await work.commit()
    await work.session.close()
    assert (await _login(client)).status_code == 401
    await seed_demo(settings)
    assert (await _login(client)).status_code == 200


async def test_the_history_spans_channels_statuses_and_days(
    settings: Settings, runtime: Runtime
) -> None:
    await seed_demo(settings)
    async with runtime.sessions() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        assert tenant is not None
        per_case = await session.execute(
            select(Interaction.case_id, func.count(distinct(Interaction.channel)))
            .where(Interaction.tenant_id == tenant.id)
            .group_by(Interaction.case_id)
        )
        assert max(n for _, n in per_case) >= 3
        statuses = set(
            await session.scalars(select(Case.status).where(Case.tenant_id == tenant.id))
        )
        assert {CaseStatus.NEW, CaseStatus.RESOLVED, CaseStatus.CLOSED} <= statuses
        wrapped = await session.scalar(
            select(func.count())
            .select_from(Interaction)
            .where(
                Interaction.tenant_id == tenant.id,
                Interaction.status == InteractionStatus.WRAPPED_UP,
                Interaction.channel == "voice",
            )
        )
        assert wrapped
        queues = set(await session.scalars(select(Interaction.queue).distinct()))
        assert {"cards", "loans"} <= queues
        first, last = (
            await session.execute(
                select(func.min(Message.created_at), func.max(Message.created_at)).where(
                    Message.tenant_id == tenant.id
                )
            )
        ).one()
    now = utcnow()
    assert now - first > timedelta(days=7)
    assert last < now


# --- routing in the demo -------------------------------------------------------------------


async def _demo_tenant(runtime: Runtime) -> Tenant:
    async with runtime.sessions() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    assert tenant is not None
    return tenant


async def test_the_demo_has_routing_set_up_and_contacts_waiting(
    settings: Settings, runtime: Runtime
) -> None:
    await seed_demo(settings)
    tenant = await _demo_tenant(runtime)
    work = runtime.work()
    try:
        await _check_queues_and_profiles(work, tenant)
        await _check_agents(work, tenant)
        await _check_waiting(work, tenant)
    finally:
        await work.session.close()


async def _check_queues_and_profiles(work: Work, tenant: Tenant) -> None:
    queues = {q.name: q for q in await routing.list_queues(work.session, tenant.id)}
    named = set(
        await work.session.scalars(
            select(Interaction.queue).where(Interaction.tenant_id == tenant.id).distinct()
        )
    )
    assert named <= set(queues), "every queue name the history uses is a real queue"
    assert all(q.calendar is None for q in queues.values())  # the tenant's hours
    cards = queues["cards"]
    assert (cards.sl_percent, cards.sl_seconds) == (80, 20)
    assert [s.get("min_level", 1) for s in cards.steps] == [4, 2, 1]
    assert cards.overflow_queue_id == queues["general"].id
    assert cards.max_wait_seconds
    accounts = queues["accounts"]
    assert accounts.first_response_seconds == 4 * 3600
    assert accounts.next_response_seconds == 8 * 3600
    profiles = await routing.list_profiles(work.session, tenant.id)
    assert {p.name for p in profiles} == {"Voice + chat", "Written", "Specialists"}
    assert any(m["delay"] > 0 for p in profiles for m in p.queues)


async def _check_agents(work: Work, tenant: Tenant) -> None:
    profiles = {p.id for p in await routing.list_profiles(work.session, tenant.id)}
    views = await routing.agent_views(work, tenant)
    assert len(views) == sum(role == "agent" for _, _, role in STAFF)
    for view in views:
        assert view.agent.profile_id in profiles
        assert view.agent.skills
        assert all(1 <= level <= 5 for level in view.agent.skills.values())
    # nobody has a desk open yet: an agent seeded available would be a ghost taking contacts
    assert {(v.agent.state, v.agent.reason) for v in views} == {(AgentState.OFFLINE, None)}
    assert all(not v.desks for v in views)
    assert all(not v.load for v in views), "nothing is offered while the demo is seeded"


async def _check_waiting(work: Work, tenant: Tenant) -> None:
    """The contacts still open wait in their queues; none is left for routing to take in."""
    open_rows = list(
        await work.session.scalars(
            select(Interaction).where(
                Interaction.tenant_id == tenant.id,
                Interaction.status.in_(OPEN_INTERACTION_STATUSES),
            )
        )
    )
    assert open_rows, "some contacts are waiting now"
    queues = {q.id: q for q in await routing.list_queues(work.session, tenant.id)}
    for row in open_rows:
        assert row.status == InteractionStatus.QUEUED
        assert row.admitted_at is not None
        assert row.queue_id in queues
        assert row.queue == queues[row.queue_id].name
    positions = [await routing.position(work, tenant, row) for row in open_rows]
    assert 1 in {p.position for p in positions}
    vips = set(
        await work.session.scalars(
            select(Customer.id).where(Customer.tenant_id == tenant.id, Customer.vip)
        )
    )
    boosted = [r for r in open_rows if r.customer_id in vips]
    assert boosted, "a VIP customer is waiting"
    for row in boosted:
        assert row.queue_id is not None
        queue = queues[row.queue_id]
        assert row.routing_priority >= queue.priority + queue.vip_boost
    assert not await routing_repo.unadmitted(work.session, tenant.id, 10)


async def test_routing_offers_only_to_agents_at_their_desk_within_capacity(
    settings: Settings, runtime: Runtime
) -> None:
    await seed_demo(settings)
    tenant = await _demo_tenant(runtime)
    ghosts = await runtime.router.run(tenant.id)
    assert (ghosts.admitted, ghosts.offered) == (0, 0), "nobody is at a desk"
    desks = Desks(runtime, tenant)
    present = []
    for email, _, _ in STAFF[2:4]:  # two agents open their desks and set themselves available
        async with runtime.sessions() as session:
            user = await get_user_by_email(session, email)
        assert user is not None
        present.append(user.id)
        await desks.open(user.id)
        work = runtime.work(Actor(ActorType.USER, user.id))
        agent = await routing.get_or_make_agent(work, tenant, user.id)
        await routing.change_state(work, tenant, agent, AgentState.AVAILABLE, None)
        await work.commit()
        await work.session.close()
    await runtime.router.settle()
    again = await runtime.router.run(tenant.id)
    assert again.offered == 0
    work = runtime.work()
    try:
        profiles = {p.id: p for p in await routing.list_profiles(work.session, tenant.id)}
        views = await routing.agent_views(work, tenant)
        still_waiting = [
            r
            for q in await routing.list_queues(work.session, tenant.id)
            for r in await routing.waiting_in(work, tenant, q.id)
        ]
    finally:
        await work.session.close()
    holding = {v.agent.user_id for v in views if v.load}
    assert holding, "the agents at their desks were given work"
    assert holding <= set(present)
    for view in views:
        assert view.agent.profile_id is not None
        capacity = profiles[view.agent.profile_id].capacity
        assert all(n <= capacity.get(channel, 0) for channel, n in view.load.items())
    assert still_waiting, "contacts wait for the agents who are not at their desks"


async def test_the_routing_endpoints_show_the_demo(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    info = await seed_demo(settings)
    auth = {"Authorization": f"Bearer {info.api_token}"}
    base = f"/api/v1/tenants/{DEMO_SLUG}"
    queues = (await client.get(f"{base}/queues", headers=auth)).json()
    profiles = await client.get(f"{base}/routing-profiles", headers=auth)
    agents = await client.get(f"{base}/agents", headers=auth)
    assert profiles.status_code == 200
    assert len(profiles.json()) == 3
    assert agents.status_code == 200
    assert {a["presence"] for a in agents.json()} == {"offline"}
    loans = next(q for q in queues if q["name"] == "loans")
    waiting = await client.get(f"{base}/queues/{loans['id']}/waiting", headers=auth)
    assert waiting.status_code == 200
    assert waiting.json()
    first = waiting.json()[0]
    position = await client.get(f"{base}/interactions/{first['id']}/position", headers=auth)
    assert position.status_code == 200, position.text
    assert position.json()["queue"] == "loans"
    assert position.json()["position"] == 1
