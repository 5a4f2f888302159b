"""Staff pages: log in with the API's login session, the projects list, log out."""

import re

import httpx

from omniline.runtime import Runtime
from tests.conftest import PASSWORD, World
from tests.support.people import page_log_in


async def test_pages_send_strangers_to_the_login_and_back(
    client: httpx.AsyncClient, world: World
) -> None:
    client.cookies.clear()
    away = await client.get("/desk")
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/desk"
    form = await client.get("/login?next=/desk")
    assert 'name="next" value="/desk"' in form.text
    wrong = await page_log_in(client, "agent@acme.test", "nope")
    assert wrong.status_code == 401
    assert "e-mail or password is wrong" in wrong.text
    done = await page_log_in(client, "agent@acme.test", PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/desk"
    projects = await client.get("/desk")
    assert projects.status_code == 200
    assert 'href="/t/acme/desk"' in projects.text
    assert "Globex" not in projects.text  # not a project of theirs
    out = await client.post("/logout")
    assert out.status_code == 303
    client.cookies.clear()
    assert (await client.get("/desk")).status_code == 303


async def test_the_login_only_sends_people_to_this_site(
    client: httpx.AsyncClient, world: World
) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        done = await page_log_in(client, "agent@acme.test", PASSWORD, target)
        assert done.headers["location"] == "/desk"
    client.cookies.clear()


async def test_api_tokens_do_not_open_pages(client: httpx.AsyncClient, world: World) -> None:
    client.cookies.clear()
    client.cookies.set("omniline_session", world.tokens["api"])
    assert (await client.get("/desk")).status_code == 303
    client.cookies.clear()


async def test_another_site_cannot_log_a_visitor_in(
    client: httpx.AsyncClient, world: World
) -> None:
    """Login CSRF: a form posted from elsewhere (no token, or a token without the cookie it
    is bound to) logs nobody in, so a visitor cannot be made to work as the attacker."""
    client.cookies.clear()
    forged = {"email": "agent@acme.test", "password": PASSWORD, "next": "/desk"}
    bare = await client.post("/login", data=forged)
    assert bare.status_code == 400
    assert "the form has expired" in bare.text
    assert "omniline_session" not in client.cookies
    form = await client.get("/login")
    found = re.search(r'name="token" value="([^"]+)"', form.text)
    assert found
    client.cookies.clear()  # the attacker's page has the token but not the visitor's cookie
    await client.get("/login")  # the visitor's own cookie is another one
    stolen = await client.post("/login", data={**forged, "token": found.group(1)})
    assert stolen.status_code == 400
    assert "omniline_session" not in client.cookies
    client.cookies.clear()


async def test_the_session_cookie_is_secure_over_https(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    """Over plain HTTP (the demo on a laptop) the cookie cannot be Secure; over HTTPS, direct
    or through a proxy the settings trust, it is."""
    plain = await page_log_in(client, "agent@acme.test", PASSWORD)
    assert "secure" not in plain.headers["set-cookie"].lower()
    app = client._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as tls:
        direct = await page_log_in(tls, "agent@acme.test", PASSWORD)
        assert direct.status_code == 303
        assert "; secure" in direct.headers["set-cookie"].lower()
        api = await tls.post(
            "/api/v1/auth/login", json={"email": "agent@acme.test", "password": PASSWORD}
        )
        assert "; secure" in api.headers["set-cookie"].lower()
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusted = await client.post(
        "/api/v1/auth/login",
        json={"email": "agent@acme.test", "password": PASSWORD},
        headers=forwarded,
    )
    assert "secure" not in untrusted.headers["set-cookie"].lower()  # anyone can send that
    runtime.settings.trusted_proxies = "127.0.0.1"
    behind = await client.post(
        "/api/v1/auth/login",
        json={"email": "agent@acme.test", "password": PASSWORD},
        headers=forwarded,
    )
    assert "; secure" in behind.headers["set-cookie"].lower()
    client.cookies.clear()


async def test_an_invited_person_joins_on_the_projects_page(
    client: httpx.AsyncClient, world: World
) -> None:
    invited = await client.post(
        "/api/v1/tenants/acme/members",
        json={"email": "admin@globex.test", "role": "agent"},
        headers=world.auth("admin"),
    )
    invitation, code = invited.json()["id"], invited.json()["code"]
    await page_log_in(client, "admin@globex.test", PASSWORD)
    page = await client.get("/desk")
    assert f"/desk/invitations/{invitation}/accept" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    accept = f"/desk/invitations/{invitation}/accept"
    forged = await client.post(accept, data={"code": code})
    assert forged.status_code == 400
    wrong = await client.post(accept, data={"code": "oli_nope", "token": token.group(1)})
    assert wrong.status_code == 403
    done = await client.post(accept, data={"code": code, "token": token.group(1)})
    assert done.status_code == 303
    projects = await client.get("/desk")
    assert 'href="/t/acme/desk"' in projects.text
    assert "/desk/invitations/" not in projects.text
    client.cookies.clear()
