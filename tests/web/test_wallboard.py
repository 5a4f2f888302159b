"""The wallboard page is for supervisors; its module gets what it needs from the page."""

import httpx

from tests.conftest import World
from tests.web.test_desk import log_in


async def test_only_supervisors_see_the_wallboard(client: httpx.AsyncClient, world: World) -> None:
    await log_in(client, "agent@acme.test")
    refused = await client.get("/t/acme/wallboard")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    await log_in(client, "supervisor@acme.test")
    page = await client.get("/t/acme/wallboard", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert 'id="wallboard-data"' in page.text
    assert "Табло" in page.text
    assert "Supervisor" in page.text  # people are named, not shown as ids
    assert 'id="unrouted"' in page.text
    assert "Без очереди" in page.text  # contacts no queue can take have their own table
    client.cookies.clear()
