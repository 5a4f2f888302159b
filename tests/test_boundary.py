"""Bad input answers 4xx, never 500, the same on both databases: every route of the app is
walked with a NUL character and a number beyond 64 bits in each of its fields (path, query,
JSON body, form), and the findings of the attack report are replayed."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from omniline.app import API_ROUTERS, PAGE_ROUTERS, PUBLIC_API_ROUTERS
from omniline.kit.boundary import INT64_MAX, INT64_MIN
from omniline.runtime import Runtime
from tests.channels.email.conftest import email_channel
from tests.channels.email.smtp import certificates, smtp_server
from tests.conftest import World
from tests.portal.test_pages import token_of
from tests.portal.test_status import Mail, mail, visitor
from tests.test_isolation import _objects

API = "/api/v1/tenants/acme"
NUL = "a\x00b"
BIG = 2**70
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
# path parameters the isolation walker has no object for
PAGE_PARAMS = {"tenant_slug": "acme", "slug": "x", "code": "x", "token": "x", "number": "1"}


def every_route() -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every HTTP route: the API, the public API and the pages."""
    found = []
    for routers, prefix in ((API_ROUTERS + PUBLIC_API_ROUTERS, "/api/v1"), (PAGE_ROUTERS, "")):
        for router in routers:
            for route in router.routes:
                if isinstance(route, APIRoute):
                    methods = sorted((route.methods or set()) - {"HEAD"})
                    found.extend((m, prefix + route.path, route) for m in methods)
    assert len(found) > 120, "the walk found too few routes: has the app's routing changed?"
    return found


def fields(
    route: APIRoute, openapi: dict[str, Any], method: str, path: str
) -> tuple[set[str], set[str], bool]:
    """The route's query fields, body fields and whether its body is a form."""
    query, body = set(), set()
    form = False
    for where, name, is_form in _declared(route.dependant):
        (query if where == "query" else body).add(name)
        form = form or is_form
    operation = openapi["paths"].get(path, {}).get(method.lower(), {})
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    body |= set(_properties(schema.get("schema", {}), openapi))
    return query, body, form


def _declared(dependant: Dependant) -> Iterator[tuple[str, str, bool]]:
    for field in dependant.query_params:
        yield "query", field.alias, False
    for field in dependant.body_params:
        is_form = type(field.field_info).__name__ in ("Form", "File")
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, inner in annotation.model_fields.items():
                yield "body", inner.alias or name, is_form
        else:
            yield "body", field.alias, is_form
    for sub in dependant.dependencies:
        yield from _declared(sub)


def _properties(schema: dict[str, Any], openapi: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def fill(path: str, objects: dict[str, str], bad: str | None = None, at: str = "") -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == at and bad is not None:
            return quote(bad, safe="")
        return quote({**PAGE_PARAMS, **objects}.get(name, "x"), safe="")

    return PARAM.sub(value, path)


def requests(
    method: str, path: str, route: APIRoute, openapi: dict[str, Any], objects: dict[str, str]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The bad requests for one route, with the bad value: in each path parameter, then in
    every query field (and one the route does not know) and every body field at once (as
    text, and in JSON bodies also as a number)."""
    query, body, form = fields(route, openapi, method, path)
    for bad in (NUL, str(BIG)):
        for name in PARAM.findall(path):
            yield bad, fill(path, objects, bad, name), {}
        names = sorted(query | {"unknown"})
        url = fill(path, objects) + "?" + "&".join(f"{q}={quote(bad)}" for q in names)
        if method == "GET" or not body:
            yield bad, url, {}
        elif form:
            yield bad, url, {"data": dict.fromkeys(body, bad)}
        else:
            yield bad, url, {"json": dict.fromkeys(body, bad)}
            yield bad, url, {"json": {name: BIG if bad != NUL else [bad] for name in body}}


async def test_no_route_answers_500_to_a_nul_or_a_huge_number_and_every_route_refuses_nul(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    objects = await _objects(client, world, runtime, "api")
    objects["tenant"] = "acme"
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    openapi = app.openapi()
    token = world.tokens["admin"]
    headers = {"Authorization": f"Bearer {token}", "Origin": "http://testserver"}
    client.cookies.set("omniline_session", token)
    failures = []
    for method, path, route in every_route():
        for bad, url, kwargs in requests(method, path, route, openapi, objects):
            response = await client.request(method, url, headers=headers, **kwargs)
            # a NUL is refused before anything else, on every route, whatever the field
            if response.status_code >= 500 or (bad == NUL and response.status_code != 422):
                failures.append(f"{method} {url} {kwargs}: {response.status_code}")
    assert failures == []


def _unbounded_integers(node: Any, where: str, openapi: dict[str, Any]) -> Iterator[str]:
    """Integers in a request schema that may fall outside 64 bits."""
    if isinstance(node, list):
        for item in node:
            yield from _unbounded_integers(item, where, openapi)
        return
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in where:  # a model that contains itself is walked once
            schema = openapi["components"]["schemas"][name]
            yield from _unbounded_integers(schema, f"{where} {name}", openapi)
        return
    if node.get("type") == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        # a bound of INT64_MAX may be written as the float 2**63: that is the same bound
        if low is None or high is None or low < INT64_MIN or high > float(INT64_MAX):
            yield where
    for key, value in node.items():
        if key == "properties":
            for name, inner in value.items():
                yield from _unbounded_integers(inner, f"{where}.{name}", openapi)
        elif key not in ("default", "examples", "example"):
            yield from _unbounded_integers(value, where, openapi)


def test_every_integer_a_request_body_takes_is_bounded(client: httpx.AsyncClient) -> None:
    # JSON bodies may carry a whole number as a string, which the request check cannot tell
    # from text: the models must bound it (kit.boundary's docstring)
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    openapi = app.openapi()
    found = [
        problem
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for problem in _unbounded_integers(
            operation.get("requestBody", {}), f"{method.upper()} {path}", openapi
        )
    ]
    assert found == []


__all__ = ["certificates", "email_channel", "mail", "smtp_server"]  # fixtures: mail sends codes


async def test_a_case_number_beyond_64_bits_is_no_such_case(
    client: httpx.AsyncClient, world: World, mail: Mail
) -> None:
    answers = []
    for number in ("9" * 20, "12345"):  # beyond 64 bits, and an ordinary unknown number
        async with visitor(client) as c:
            form = await c.get("/help/acme/status")
            response = await c.post(
                "/help/acme/status",
                data={"token": token_of(form.text), "number": number, "contact": "a@example.com"},
            )
        answers.append((response.status_code, response.headers.get("location")))
    assert answers[0] == answers[1]  # the form's own answer, as for any unknown number
    assert answers[0][0] < 500


async def test_events_after_beyond_64_bits_is_refused_naming_the_field(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"/api/v1/tenants/acme/events?after={BIG}", headers=world.auth("agent")
    )
    assert response.status_code == 422
    [problem] = response.json()["error"]["details"]["problems"]
    assert problem == {
        "field": "query.after",
        "problem": "must be a whole number from -9223372036854775808 to 9223372036854775807",
    }


NUL_PROBLEM = "must not contain a NUL character (\\0)"


async def test_nul_is_refused_naming_the_field_wherever_it_comes(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    inbound = {
        "channel": "webform",
        "external_id": "x1",
        "sender": {"name": "Ann\x00", "identities": [{"kind": "email", "value": "a@x.test"}]},
        "body": "hello",
    }
    calls: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/api/v1/auth/login", {"json": {"email": NUL, "password": "x"}}, "email"),
        ("POST", "/api/v1/inbound", {"json": inbound, "headers": world.auth("api")}, "sender.name"),
        ("POST", "/api/v1/chat/acme/start", {"json": {"name": NUL}}, "name"),
        ("GET", f"{API}/customers?q={quote(NUL)}", {"headers": world.auth("admin")}, "query.q"),
        ("GET", f"/api/v1/tenants/{quote(NUL)}/cases", {"headers": admin}, "path.tenant"),
    ]  # fmt: skip
    for method, url, kwargs, field in calls:
        response = await client.request(method, url, **kwargs)
        assert response.status_code == 422, (url, response.text)
        problems = response.json()["error"]["details"]["problems"]
        assert {"field": field, "problem": NUL_PROBLEM} in problems, (url, problems)


async def test_nul_in_a_page_form_answers_the_pages_error(
    client: httpx.AsyncClient, world: World, mail: Mail
) -> None:
    async with visitor(client) as c:
        form = await c.get("/help/acme/status")
        status = await c.post(
            "/help/acme/status",
            data={"token": token_of(form.text), "number": "1", "contact": NUL},
        )
        search = await c.get(f"/help/acme/search?q={quote(NUL)}")
        login = await c.post("/login", data={"email": NUL, "password": "x"})
    for response, field in ((status, "contact"), (search, "q"), (login, "email")):
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert f"{field}: must not contain a NUL character" in response.text
