"""Tenant isolation for every endpoint, found by walking the app's routes.

A person of tenant B asking for tenant A gets 404, and a person of tenant A asking for
tenant B's objects under A's path gets 404 (or 422 when the body is refused first) — never
the object. A route with a path parameter this test does not know fails the test, so that
new endpoints cannot skip it.
"""

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import select

from omniline.app import API_ROUTERS
from omniline.files import service as files
from omniline.kit.clock import utcnow
from omniline.knowledge import articles
from omniline.models import (
    Callback,
    CallbackState,
    CustomerIdentity,
    Invitation,
    InvitationState,
    MergeSuggestion,
    Role,
)
from omniline.reasons import service as reasons
from omniline.routing import service as routing
from omniline.runtime import Runtime
from tests.conftest import World

PARAM = re.compile(r"{(\w+)}")


async def _objects(
    client: httpx.AsyncClient, world: World, runtime: Runtime, token: str
) -> dict[str, str]:
    """One object of each kind in a tenant, by path parameter name."""
    body = {
        "channel": "webform",
        "external_id": uuid.uuid4().hex,
        "sender": {"identities": [{"kind": "email", "value": f"{uuid.uuid4().hex[:8]}@x.test"}]},
        "body": "hello",
    }
    landed = (await client.post("/api/v1/inbound", json=body, headers=world.auth(token))).json()
    tenant = world.tenant if token == "api" else world.other
    work = runtime.work()
    reason = await reasons.create_reason(work, tenant, code=f"r{uuid.uuid4().hex[:6]}", name="R")
    queue = await routing.create_queue(work, tenant, {"name": f"q{uuid.uuid4().hex[:6]}"})
    profile = await routing.create_profile(work, tenant, {"name": f"p{uuid.uuid4().hex[:6]}"})
    article = await articles.create_article(work, tenant, title="T", body="<p>b</p>")
    stored = await files.store_file(
        work,
        runtime.settings.data_dir,
        tenant.id,
        name="a.txt",
        data=b"hello",
        interaction_id=uuid.UUID(landed["interaction_id"]),
    )
    identity = await work.session.scalar(
        select(CustomerIdentity.id).where(
            CustomerIdentity.customer_id == uuid.UUID(landed["customer_id"])
        )
    )
    await work.session.flush()
    callback = Callback(
        tenant_id=tenant.id,
        case_id=uuid.UUID(landed["case_id"]),
        customer_id=uuid.UUID(landed["customer_id"]),
        phone="+442079460958",
        due_at=utcnow(),
        queue_id=queue.id,
        state=CallbackState.SCHEDULED,
    )
    work.session.add(callback)
    role = await work.session.scalar(
        select(Role).where(Role.tenant_id == tenant.id, Role.name == "agent")
    )
    assert role is not None
    invitation = Invitation(
        tenant_id=tenant.id,
        email=f"{uuid.uuid4().hex[:8]}@x.test",
        role_id=role.id,
        code_hash=uuid.uuid4().hex,
        state=InvitationState.PENDING,
        expires_at=utcnow() + timedelta(days=1),
    )
    work.session.add(invitation)
    suggestion = MergeSuggestion(
        tenant_id=tenant.id,
        customer_id=uuid.UUID(landed["customer_id"]),
        candidate_id=uuid.UUID(landed["customer_id"]),
        kinds=["email"],
    )
    work.session.add(suggestion)
    await work.commit()
    await work.session.close()
    return {
        "callback_id": str(callback.id),
        "invitation_id": str(invitation.id),
        "suggestion_id": str(suggestion.id),
        "customer_id": landed["customer_id"],
        "case_id": landed["case_id"],
        # a number is only unique in its tenant: the walk's other tenant has no case yet
        "number": str(landed["case_number"]),
        "interaction_id": landed["interaction_id"],
        "message_id": landed["message_id"],
        "reason_id": str(reason.id),
        "identity_id": str(identity),
        "token_id": str(uuid.uuid4()),
        "merge_id": str(uuid.uuid4()),
        "queue_id": str(queue.id),
        "profile_id": str(profile.id),
        "article_id": str(article.id),
        "file_id": str(stored.id),
        "user_id": str(world.users["agent" if token == "api" else "other_admin"].id),
    }


def _routes() -> list[tuple[str, str]]:
    found = []
    for router in API_ROUTERS:  # the app mounts these under /api/v1
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/tenants/{tenant}"):
                path = "/api/v1" + route.path
                found.extend((method, path) for method in sorted(route.methods or ()))
    assert len(found) > 40, "the walk found too few routes: has the app's routing changed?"
    return found


def _fill(path: str, tenant: str, objects: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "tenant":
            return tenant
        assert name in objects, f"{path}: add '{name}' to the isolation test's objects"
        return objects[name]

    return PARAM.sub(value, path)


async def _call(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    return await client.request(method, url, **kwargs)


async def test_people_of_another_tenant_get_404_everywhere(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    acme = await _objects(client, world, runtime, "api")
    for method, path in _routes():
        url = _fill(path, "acme", acme)
        response = await _call(client, method, url, world.auth("other_admin"))
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"


async def test_objects_of_another_tenant_are_not_found_under_ones_own(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    globex = await _objects(client, world, runtime, "other_api")
    for method, path in _routes():
        if set(PARAM.findall(path)) == {"tenant"}:
            continue  # no object in the path
        url = _fill(path, "acme", globex)
        response = await _call(client, method, url, world.auth("admin"))
        allowed = {404} if method == "GET" else {404, 422}
        assert response.status_code in allowed, f"{method} {url}: {response.status_code}"
