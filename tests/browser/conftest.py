"""Browser tests: the real server (`omniline serve --demo`) and Debian's Chromium via Playwright.

Each test has a bank of its own on the one server (the `demo` fixture), and the server's clock
says Sunday 23:00 in the banks' zone: no test sees another's leftovers or depends on the hour.

Without Chromium they skip, with a message, unless OMNILINE_REQUIRE_BROWSER is set (CI sets
it: there a missing browser is a failure, not a skip).
"""

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from omniline import demo as demo_bank
from omniline.audit.keys import load_audit_key
from omniline.config import Settings
from omniline.demo import DEMO_PASSWORD, DEMO_TIMEZONE, DemoSpec
from omniline.journal.work import Work
from omniline.kit.clock import get_clock, set_clock
from omniline.kit.db import make_engine, make_sessionmaker
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


# The server's clock starts at an hour a contact center is most likely closed: Sunday 23:00
# in the banks' time zone (the last one before now). Every test's bank is open around the
# clock unless the test says otherwise, so no test depends on the hour or the weekday.
ZONE = ZoneInfo(DEMO_TIMEZONE)


def sunday_night(now: datetime) -> datetime:
    """The last Sunday 23:00 in the banks' zone before `now`, in UTC."""
    local = now.astimezone(ZONE)
    sunday = local.date() - timedelta(days=(local.weekday() - 6) % 7)
    at = datetime(sunday.year, sunday.month, sunday.day, 23, tzinfo=ZONE)
    if at > local:
        at -= timedelta(days=7)
    return at.astimezone(UTC)


@dataclass
class Server:
    """`omniline serve --demo`, as a newcomer runs it, with its clock on a Sunday night."""

    url: str
    data: Path  # the server's data folder, for `omniline` commands on its database

    def now(self) -> datetime:
        """The server's clock."""
        return datetime.fromisoformat(httpx.get(f"{self.url}/health").json()["time"])


@dataclass
class Demo:
    """One test's own bank on the server, seeded like the demo but without its story (no
    contacts waiting) and open around the clock: no test sees another's contacts or agents.
    `api` calls its API as its admin."""

    url: str
    token: str
    data: Path
    spec: DemoSpec

    @property
    def slug(self) -> str:
        return self.spec.slug

    def email(self, who: str) -> str:
        """The address of one of the bank's staff: `email("agent3")`."""
        return self.spec.email(who)

    def api(self, method: str, path: str, **kw: Any) -> Any:
        response = httpx.request(
            method,
            f"{self.url}/api/v1/tenants/{self.slug}{path}",
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
def server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    """`omniline serve --demo` on a fresh data folder, its clock on a Sunday night."""
    data = tmp_path_factory.mktemp("browser-demo")
    port = free_port()
    log = (data / "server.log").open("wb")
    start = sunday_night(datetime.now(UTC))
    proc = subprocess.Popen(
        [sys.executable, "-m", "omniline", "serve", "--demo", "--port", str(port)],
        env=server_env(data, OMNILINE_CLOCK_START=start.isoformat()),
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
        yield Server(url, data)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def seed_bank(server: Server, spec: DemoSpec) -> None:
    """Seed a bank into the server's database on the server's clock, in a thread of its own
    (Playwright's event loop may be running in this one)."""
    offset = server.now() - datetime.now(UTC)

    async def seed() -> None:
        settings = Settings(data_dir=server.data, dev=True)
        engine = make_engine(settings.db_url)
        before = get_clock()
        set_clock(lambda: datetime.now(UTC) + offset)
        try:
            work = Work(make_sessionmaker(engine)(), audit_key=load_audit_key(settings))
            try:
                await demo_bank.seed_bank(work, spec)
                await work.commit()
            finally:
                await work.session.close()
        finally:
            set_clock(before)
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed()).result()


@pytest.fixture
def demo(server: Server) -> Demo:
    """This test's own bank (see Demo)."""
    tag = uuid.uuid4().hex[:6]
    spec = DemoSpec(slug=f"bank-{tag}", domain=f"{tag}.bank.test", always_open=True, story=False)
    seed_bank(server, spec)
    login = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": spec.email("admin"), "password": DEMO_PASSWORD},
    )
    assert login.status_code == 200, login.text
    return Demo(server.url, login.json()["token"], server.data, spec)


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
