"""People through the public API: log in, invite, accept, log in on the staff pages."""

import re

import httpx

API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    """Headers that authenticate with a token."""
    return {"Authorization": f"Bearer {token}"}


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """POST the API login (the cookie it sets is dropped: tests authenticate explicitly)."""
    response = await client.post(f"{API}/auth/login", json={"email": email, "password": password})
    client.cookies.delete("omniline_session")
    return response


async def session_of(client: httpx.AsyncClient, email: str, password: str) -> str:
    """A login session token (the login must succeed)."""
    response = await log_in(client, email, password)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def invite(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: str, body: dict[str, str]
) -> httpx.Response:
    """A tenant admin adds an address."""
    return await client.post(f"{API}/tenants/{tenant}/members", json=body, headers=admin)


async def join(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    tenant: str,
    email: str,
    role: str,
    password: str,
) -> str:
    """Invite a new address with a first password, then log in as it and accept; returns
    the person's session token."""
    body = {"email": email, "role": role, "password": password}
    invited = await invite(client, admin, tenant, body)
    assert invited.status_code == 201, invited.text
    token = await session_of(client, email, password)
    accepted = await client.post(
        f"{API}/me/invitations/{invited.json()['id']}/accept",
        json={"code": invited.json()["code"]},
        headers=bearer(token),
    )
    assert accepted.status_code == 204, accepted.text
    return token


async def page_log_in(
    client: httpx.AsyncClient, email: str, password: str, next_page: str = "/desk"
) -> httpx.Response:
    """Log in through the staff login page, as a browser does (the form and its token)."""
    client.cookies.clear()
    form = await client.get(f"/login?next={next_page}")
    found = re.search(r'name="token" value="([^"]+)"', form.text)
    assert found, "the login page has no form token"
    data = {"email": email, "password": password, "next": next_page, "token": found.group(1)}
    return await client.post("/login", data=data)
