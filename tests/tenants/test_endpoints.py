"""Tenants, members and custom roles through the API."""

import httpx

from omniline.runtime import Runtime
from omniline.users.service import create_user
from tests.conftest import PASSWORD, World
from tests.support.people import bearer, join


async def test_only_superusers_create_tenants(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    body = {"slug": "initech", "name": "Initech", "timezone": "Europe/Warsaw"}
    refused = await client.post("/api/v1/tenants", json=body, headers=world.auth("admin"))
    assert refused.status_code == 403
    work = runtime.work()
    await create_user(work, email="root@ops.test", name="Ops", password=PASSWORD, superuser=True)
    await work.commit()
    await work.session.close()
    login = await client.post(
        "/api/v1/auth/login", json={"email": "root@ops.test", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    created = await client.post("/api/v1/tenants", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["timezone"] == "Europe/Warsaw"
    again = await client.post("/api/v1/tenants", json=body, headers=headers)
    assert again.status_code == 409


async def test_bad_time_zone_is_a_clear_422(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        "/api/v1/tenants/acme", json={"timezone": "Mars/Olympus"}, headers=world.auth("admin")
    )
    assert response.status_code == 422
    assert "Mars/Olympus" in response.json()["error"]["message"]


async def test_business_calendar_is_checked_and_normalised(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    bad = await client.patch(
        "/api/v1/tenants/acme",
        json={"business_calendar": {"week": {"mon": [["09:00", "25:00"]]}}},
        headers=admin,
    )
    assert bad.status_code == 422
    assert "25:00" in bad.json()["error"]["message"]
    hours = {"week": {"mon": [["13:00", "17:00"], ["09:00", "13:00"]]}, "holidays": ["2026-12-25"]}
    good = await client.patch(
        "/api/v1/tenants/acme", json={"business_calendar": hours}, headers=admin
    )
    assert good.status_code == 200, good.text
    assert good.json()["business_calendar"]["week"]["mon"] == [["09:00", "17:00"]]  # merged


async def test_admin_changes_case_join_window(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        "/api/v1/tenants/acme", json={"case_join_window_hours": 24}, headers=world.auth("admin")
    )
    assert response.status_code == 200
    assert response.json()["settings"]["case_join_window_hours"] == 24
    agent = await client.patch(
        "/api/v1/tenants/acme", json={"name": "Hacked"}, headers=world.auth("agent")
    )
    assert agent.status_code == 403


async def test_custom_role_with_field_level_rights(client: httpx.AsyncClient, world: World) -> None:
    role = {"name": "branch-clerk", "permissions": ["customers.read", "pii.phone.read"]}
    created = await client.post(
        "/api/v1/tenants/acme/roles", json=role, headers=world.auth("admin")
    )
    assert created.status_code == 201, created.text
    token = await join(
        client, world.auth("admin"), "acme", "clerk@acme.test", "branch-clerk", PASSWORD
    )
    me = await client.get("/api/v1/me", headers=bearer(token))
    [membership] = me.json()["tenants"]
    assert membership["role"] == "branch-clerk"
    assert membership["permissions"] == ["customers.read", "pii.phone.read"]


async def test_unknown_permission_is_named(client: httpx.AsyncClient, world: World) -> None:
    role = {"name": "odd", "permissions": ["customers.read", "launch.missiles"]}
    response = await client.post(
        "/api/v1/tenants/acme/roles", json=role, headers=world.auth("admin")
    )
    assert response.status_code == 422
    assert "launch.missiles" in response.json()["error"]["message"]


async def test_other_tenant_is_404(client: httpx.AsyncClient, world: World) -> None:
    for path in (
        "/api/v1/tenants/acme",
        "/api/v1/tenants/acme/members",
        "/api/v1/tenants/acme/roles",
    ):
        response = await client.get(path, headers=world.auth("other_admin"))
        assert response.status_code == 404, path


async def test_login_with_wrong_password_is_401(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "wrong password"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "e-mail or password is wrong"


async def test_logout_closes_the_session(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/api/v1/me", headers=world.auth("agent"))).status_code == 200
    assert (
        await client.post("/api/v1/auth/logout", headers=world.auth("agent"))
    ).status_code == 204
    assert (await client.get("/api/v1/me", headers=world.auth("agent"))).status_code == 401


async def test_api_token_lifecycle(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        "/api/v1/tenants/acme/tokens", json={"name": "crm"}, headers=world.auth("admin")
    )
    assert created.status_code == 201
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    revoked = await client.delete(
        f"/api/v1/tenants/acme/tokens/{created.json()['id']}", headers=world.auth("admin")
    )
    assert revoked.status_code == 200
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_revoked_token_stops_posting_inbound_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(
        "/api/v1/tenants/acme/tokens",
        json={"name": "form", "scopes": ["inbound.write"]},
        headers=world.auth("admin"),
    )
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    body = {
        "channel": "webform",
        "external_id": "t1",
        "sender": {"identities": [{"kind": "email", "value": "t@example.com"}]},
    }
    assert (await client.post("/api/v1/inbound", json=body, headers=headers)).status_code == 200
    await client.delete(
        f"/api/v1/tenants/acme/tokens/{created.json()['id']}", headers=world.auth("admin")
    )
    again = await client.post("/api/v1/inbound", json=body, headers=headers)
    assert again.status_code == 401
