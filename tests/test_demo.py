"""The Demo Bank tenant of `omniline serve --demo`."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import distinct, func, select

from omniline.config import Settings
from omniline.demo import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SLUG, print_demo, seed_demo
from omniline.kit.clock import utcnow
from omniline.models import Case, CaseStatus, Interaction, InteractionStatus, Message, Tenant
from omniline.runtime import Runtime
from omniline.users.service import get_user_by_email, set_password


async def _login(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEMO_PASSWORD}
    )


async def test_seeding_twice_gives_one_tenant_and_a_new_token(
    settings: Settings, runtime: Runtime
) -> None:
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
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)  # the clock is back


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
    now = datetime.now(UTC)
    assert now - first > timedelta(days=7)
    assert last < now
