"""The token cache never outlives a revocation, in any server process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from omniline.app import create_app
from omniline.auth.permissions import Permission
from omniline.auth.service import create_api_token
from omniline.config import Settings
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from omniline.users.service import add_membership, create_user
from tests.conftest import PASSWORD, REDIS_URL
from tests.support.people import bearer, session_of

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="two server processes share revocations through Redis: needs "
    "OMNILINE_TEST_REDIS_URL"
)  # fmt: skip
INBOUND = {
    "channel": "webform",
    "external_id": "x",
    "sender": {"identities": [{"kind": "email", "value": "c@example.com"}]},
}


@asynccontextmanager
async def _server(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One server process: its own runtime (and token cache), the shared database and Redis."""
    runtime = Runtime.build(settings)
    await runtime.start(worker=False)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client
    finally:
        await runtime.stop()


async def _token_and_admin(settings: Settings) -> str:
    runtime = Runtime.build(settings)
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    admin = await create_user(work, email="admin@acme.test", name="A", password=PASSWORD)
    await add_membership(work, tenant, admin, "admin")
    token, _ = await create_api_token(work, tenant, "form", frozenset({Permission.INBOUND_WRITE}))
    await work.commit()
    await work.session.close()
    await runtime.stop()
    return token


async def test_a_revoked_token_stops_at_once_in_another_process(settings: Settings) -> None:
    shared = settings.model_copy(update={"redis_url": REDIS_URL})
    token = await _token_and_admin(shared)
    async with _server(shared) as first, _server(shared) as second:
        posted = await second.post("/api/v1/inbound", json=INBOUND, headers=bearer(token))
        assert posted.status_code == 200  # the second process has the token in its cache
        admin = bearer(await session_of(first, "admin@acme.test", PASSWORD))
        [row] = (await first.get("/api/v1/tenants/acme/tokens", headers=admin)).json()
        revoked = await first.delete(f"/api/v1/tenants/acme/tokens/{row['id']}", headers=admin)
        assert revoked.status_code == 200
        again = await second.post("/api/v1/inbound", json=INBOUND, headers=bearer(token))
        assert again.status_code == 401
