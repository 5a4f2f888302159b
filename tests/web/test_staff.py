"""Staff pages: log in with the API's login session, the projects list, log out."""

import httpx

from tests.conftest import PASSWORD, World


async def test_pages_send_strangers_to_the_login_and_back(
    client: httpx.AsyncClient, world: World
) -> None:
    client.cookies.clear()
    away = await client.get("/desk")
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/desk"
    form = await client.get("/login?next=/desk")
    assert 'name="next" value="/desk"' in form.text
    wrong = await client.post("/login", data={"email": "agent@acme.test", "password": "nope"})
    assert wrong.status_code == 401
    assert "e-mail or password is wrong" in wrong.text
    done = await client.post(
        "/login", data={"email": "agent@acme.test", "password": PASSWORD, "next": "/desk"}
    )
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
        done = await client.post(
            "/login", data={"email": "agent@acme.test", "password": PASSWORD, "next": target}
        )
        assert done.headers["location"] == "/desk"
    client.cookies.clear()


async def test_api_tokens_do_not_open_pages(client: httpx.AsyncClient, world: World) -> None:
    client.cookies.clear()
    client.cookies.set("omniline_session", world.tokens["api"])
    assert (await client.get("/desk")).status_code == 303
    client.cookies.clear()
