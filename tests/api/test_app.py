"""What every endpoint shares: size limits and error answers a person can act on."""

import re

import httpx

from tests.conftest import World


async def test_declared_oversized_body_is_413(client: httpx.AsyncClient, world: World) -> None:
    body = b"x" * 1_000_001
    response = await client.post("/api/v1/inbound", content=body, headers=world.auth("api"))
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]["message"]


async def test_streamed_oversized_body_is_413(client: httpx.AsyncClient, world: World) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"y" * 100_000

    response = await client.post("/api/v1/inbound", content=chunks(), headers=world.auth("api"))
    assert response.status_code == 413


async def test_unknown_path_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_missing_token_is_401_with_advice(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"]["message"]


async def test_invalid_body_names_the_field(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/tenants/acme/tokens", json={"name": ""}, headers=world.auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["problems"][0]["field"] == "name"


async def test_openapi_describes_the_inbound_body(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "InboundPayload" in schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/inbound"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/InboundPayload")


async def test_front_door_leads_to_the_staff_pages_and_docs_stay(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/desk"
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "Omniline" in docs.text


async def test_the_api_docs_load_nothing_from_outside_the_installation(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/docs")).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert sources, page
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by the installation"
        assert (await client.get(source)).status_code == 200, source
    assert "cdn" not in page
