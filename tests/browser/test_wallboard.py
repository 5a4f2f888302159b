"""The supervisor's wallboard in Chromium: numbers change live, states change, contacts move."""

import re
import time
import uuid
from collections.abc import Callable

from playwright.sync_api import Browser, Locator, expect

from tests.browser.conftest import Demo, open_page, screenshot
from tests.browser.test_desk import log_in, wait_until_queued


def shows_the_servers_number(cell: Locator, read: Callable[[], int]) -> int:
    """Wait until a wallboard cell shows what the server counts now, and return it. The
    browser tests share one demo, so contacts other tests left behind may come and go
    meanwhile (an offer that expires puts one back): the number is read again until the
    page and the server agree."""
    for _ in range(10):
        expected = read()
        try:
            expect(cell).to_have_text(str(expected), timeout=2_000)
        except AssertionError:
            continue
        return expected
    raise AssertionError(f"the wallboard did not follow the server's count ({read()})")


def test_the_wallboard_follows_the_queues_without_a_reload(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.clock.install()  # the page's clock runs as usual until the test moves it
    log_in(page, demo, "supervisor", "wallboard")
    general = page.locator("#queues tr", has_text="general")
    expect(general).to_be_visible()
    webforms = page.locator('#channels tr[data-channel="webform"]')

    def waiting(path: str, key: str, value: str) -> Callable[[], int]:
        return lambda: next(r["waiting"] for r in demo.api("GET", path) if r[key] == value)

    in_general = waiting("/queue-stats", "name", "general")
    on_webforms = waiting("/channel-stats", "channel", "webform")
    before = shows_the_servers_number(general.locator(".waiting"), in_general)
    before_channel = shows_the_servers_number(webforms.locator(".waiting"), on_webforms)
    sender = {"identities": [{"kind": "email", "value": f"{uuid.uuid4().hex[:8]}@x.test"}]}
    landed = demo.api(
        "POST",
        "/inbound",
        json={
            "channel": "webform", "external_id": f"wall:{uuid.uuid4().hex}",
            "subject": "Wallboard test", "body": "Hello",
            "sender": sender,
        },
    )  # fmt: skip
    wait_until_queued(demo, landed["interaction_id"])
    assert shows_the_servers_number(general.locator(".waiting"), in_general) >= before + 1
    assert shows_the_servers_number(webforms.locator(".waiting"), on_webforms) >= before_channel + 1
    item = page.locator(f'#waiting li[data-interaction="{landed["interaction_id"]}"]')
    expect(item).to_contain_text("Wallboard test")
    screenshot(page, "wallboard")

    item.get_by_label("Move to").select_option(label="accounts")
    item.get_by_role("button", name="Move").click()
    assert (
        demo.api("GET", f"/interactions/{landed['interaction_id']}/routing")["queue"] == "accounts"
    )
    shows_the_servers_number(general.locator(".waiting"), in_general)

    agent = page.locator("#agents tr", has_text="Michał")
    agent.get_by_label("Change state: Michał Kamiński").select_option("break:lunch")
    expect(agent.locator(".presence")).to_contain_text("on a break", timeout=10_000)
    user_id = agent.get_attribute("data-agent")
    [specialists] = [p for p in demo.api("GET", "/routing-profiles") if p["name"] == "Specialists"]
    agent.get_by_label("Routing profile: Michał Kamiński").select_option(label="Specialists")
    for _ in range(50):
        if demo.api("GET", f"/agents/{user_id}")["profile_id"] == specialists["id"]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the agent's routing profile did not change")
    expect(agent.locator(".since")).to_have_text(re.compile(r"^\d+ min$"))  # time in the state

    untitled = demo.api(
        "POST", "/inbound",
        json={"channel": "webform", "external_id": f"wall:{uuid.uuid4().hex}", "body": "Hi",
              "sender": {"identities": [{"kind": "email", "value": "untitled@x.test"}]}},
    )  # fmt: skip
    wait_until_queued(demo, untitled["interaction_id"])
    waiting = page.locator(f'#waiting li[data-interaction="{untitled["interaction_id"]}"]')
    expect(waiting).to_contain_text("webform · (no subject) ·")
    page.clock.fast_forward("02:00:00")  # two hours on: waits read h:mm:ss, not 120:00
    expect(general.locator(".longest")).to_have_text(re.compile(r"^2:00:\d\d$"))
    watched.assert_clean()
