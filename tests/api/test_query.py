"""Every API route refuses query parameters it does not declare (one dependency for all)."""

import httpx
import pytest

from tests.conftest import World

API = "/api/v1/tenants/acme"


async def test_an_unknown_filter_is_refused_not_ignored(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"{API}/customers", params={"email": "ada@example.com"}, headers=world.auth("admin")
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith("unknown query parameter email: this endpoint takes ")
    assert error["details"]["unknown"] == ["email"]
    assert "limit" in error["details"]["accepted"]


@pytest.mark.parametrize(
    "path",
    [
        "/customers",
        "/cases",
        "/interactions",
        "/queues",
        "/queue-stats",
        "/unrouted",
        "/events",
        "/reasons",
        "/agents",
    ],
)
async def test_every_listing_refuses_unknown_parameters_and_keeps_known_ones(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    known = await client.get(f"{API}{path}", params={"limit": 5}, headers=world.auth("admin"))
    unknown = await client.get(f"{API}{path}", params={"limt": 5}, headers=world.auth("admin"))
    assert unknown.status_code == 422, (path, unknown.text)
    assert "limt" in unknown.json()["error"]["message"]
    assert known.status_code in (200, 422)
    if known.status_code == 422:  # the listing is not paged: `limit` is unknown too
        assert "limit" in known.json()["error"]["details"]["unknown"]
