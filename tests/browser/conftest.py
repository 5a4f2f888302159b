"""Browser tests: the real server (`omniline serve --demo`) and Debian's Chromium via Playwright.

Without Chromium they skip, with a message, unless OMNILINE_REQUIRE_BROWSER is set (CI sets
it: there a missing browser is a failure, not a skip).
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from omniline.demo import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SLUG
from tests.serverproc import free_port, server_env, wait_healthy

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
VIEWPORT = {"width": 1366, "height": 768}


def chromium_path() -> str | None:
    """Debian's Chromium (or OMNILINE_CHROMIUM)."""
    wanted = os.environ.get("OMNILINE_CHROMIUM")
    for path in (wanted, *CHROMIUM_PATHS, shutil.which("chromium")):
        if path and Path(path).exists():
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = (
            "no Chromium found (looked at /usr/bin/chromium): install Debian's 'chromium' "
            "package or set OMNILINE_CHROMIUM to run the browser tests"
        )
        if os.environ.get("OMNILINE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Demo:
    """The demo server: its URL and an admin's API token for setting up and checking."""

    url: str
    token: str
    data: Path  # the server's data folder, for `omniline` commands on its database

    def api(self, method: str, path: str, **kw: Any) -> Any:
        response = httpx.request(
            method,
            f"{self.url}/api/v1/tenants/{DEMO_SLUG}{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
            **kw,
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def api_inbound(self, email: str, body: str) -> Any:
        """A customer writes in through the tenant's API channel: a new case."""
        payload = {
            "channel": "webform",
            "external_id": f"browser-test:{email}",
            "body": body,
            "sender": {"name": email, "identities": [{"kind": "email", "value": email}]},
        }
        return self.api("POST", "/inbound", json=payload)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Demo]:
    """`omniline serve --demo` on a fresh data folder, as a newcomer runs it."""
    data = tmp_path_factory.mktemp("browser-demo")
    port = free_port()
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "omniline", "serve", "--demo", "--port", str(port)],
        env=server_env(data),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, proc, seconds=120)  # the first start seeds the demo
        except RuntimeError as exc:
            log.flush()
            tail = (data / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{exc}; the server said:\n{tail}") from exc
        login = httpx.post(
            f"{url}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200, login.text
        yield Demo(url, login.json()["token"], data)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


CHOSEN_STATES = ("available", "break", "offline")  # what a person can set


@pytest.fixture(autouse=True)
def agents_as_they_were(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each browser test the demo's agents are back in the states they had before it.
    The tests share one demo: an agent a test left available, whose page is gone, would be
    offered the next test's contacts and let them time out (to "not responding"), taking the
    contacts and the agent away from the tests after it. Only for tests that use the demo."""
    if "demo" not in request.fixturenames:
        yield
        return
    demo: Demo = request.getfixturevalue("demo")
    before = demo.api("GET", "/agents")
    yield
    now = {a["user_id"]: a for a in demo.api("GET", "/agents")}
    for agent in before:
        state = agent["state"] if agent["state"] in CHOSEN_STATES else "offline"
        reason = agent["reason"] if state == "break" else None
        if (now[agent["user_id"]]["state"], now[agent["user_id"]]["reason"]) != (state, reason):
            body = {"state": state, "reason": reason}
            demo.api("PUT", f"/agents/{agent['user_id']}/state", json=body)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    # per module: while Playwright's sync API is open, its event loop runs in this thread,
    # and the asyncio tests of the next modules could not start theirs
    with sync_playwright() as playwright:
        made = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield made
        made.close()


@dataclass
class Watched:
    """A page whose console errors and failed requests are collected."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], "the browser console reported errors"


def open_page(browser: Browser, **options: Any) -> Watched:
    """A new browser context (its own cookies) at 1366 by 768, watching the console."""
    context = browser.new_context(viewport=VIEWPORT, **options)
    page = context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        # failed loads are judged by the response listener below: a page that answers a
        # wrong form with 404 or 422 is right to, only its sub-resources must load
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            watched.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and r.request.resource_type != "document"
            and watched.errors.append(f"{r.status} {r.url}")
        ),
    )
    return watched


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot for the docs when OMNILINE_SCREENSHOTS names a folder."""
    folder = os.environ.get("OMNILINE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)
