"""The agent desk in Chromium: an offer arrives, is accepted, answered, classified, wrapped up."""

import re
import time
import uuid
from contextlib import suppress
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from omniline.demo import DEMO_PASSWORD
from tests.browser.conftest import Demo, Watched, open_page, screenshot

AGENT = "agent3"  # the demo's written-channel agent (web forms and e-mail)


def log_in(page: Page, demo: Demo, who: str, target: str = "desk") -> None:
    """Log in as one of the bank's staff ("agent3", or a whole address) and open a page of the
    bank ("desk", "wallboard") or of the installation ("/desk")."""
    email = who if "@" in who else demo.email(who)
    path = target if target.startswith("/") else f"/t/{demo.slug}/{target}"
    page.goto(f"{demo.url}/login?next={path}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{demo.url}{path}")


def at_desk(browser: Browser, demo: Demo, who: str) -> Watched:
    """One of the bank's agents at an open desk, available: work goes only to agents whose
    desk is connected, so an agent made available over the API alone gets none."""
    watched = open_page(browser, locale="en-GB")
    log_in(watched.page, demo, who)
    watched.page.locator("#state").select_option("available")
    me = str(
        watched.page.evaluate("JSON.parse(document.getElementById('desk-data').textContent).me.id")
    )
    for _ in range(100):
        if demo.api("GET", f"/agents/{me}")["state"] == "available":
            return watched
        time.sleep(0.1)
    raise AssertionError(f"{who} did not become available at the desk")


def wait_until_queued(demo: Demo, interaction_id: str) -> None:
    for _ in range(100):
        if demo.api("GET", f"/interactions/{interaction_id}/routing")["status"] == "queued":
            return
        time.sleep(0.1)
    raise AssertionError("the contact was not queued")


def offer_of(page: Page, interaction_id: str, seconds: float = 30) -> Locator:
    """The desk's offer of this contact, once it shows. Offers of other contacts (a test's
    own earlier ones) are declined meanwhile."""
    offer = page.locator(f'.offer[data-interaction="{interaction_id}"]')
    others = page.locator(f'.offer:not([data-interaction="{interaction_id}"])')
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if offer.count():
            expect(offer).to_be_visible()
            return offer
        if others.count():
            with suppress(PlaywrightTimeout):  # it may be gone meanwhile (timed out, taken back)
                others.first.get_by_role("button", name="Decline").click(timeout=2_000)
        time.sleep(0.2)
    raise AssertionError(f"no offer of {interaction_id} within {seconds} s")


def test_an_agent_takes_answers_and_wraps_up_a_contact(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, AGENT)
    page.locator("#state").select_option("available")
    subject = f"Statement for March {uuid.uuid4().hex[:4]}"
    email = f"desk-{uuid.uuid4().hex[:6]}@example.com"
    landed = demo.api(
        "POST",
        "/inbound",
        json={
            "channel": "webform", "external_id": f"desk:{email}", "subject": subject,
            "body": "Please send me my March statement <img src=x onerror=window.__x=1>",
            "reason": "accounts.statement",
            "sender": {"name": "Olga", "identities": [{"kind": "email", "value": email}]},
        },
    )  # fmt: skip
    # the reason is served by the "accounts" queue, which the agent takes first
    offer = offer_of(page, landed["interaction_id"])
    expect(offer).to_contain_text(subject)
    expect(offer).to_contain_text(re.compile(r"\d+ seconds left"))
    offer.get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")  # the keyboard is enough

    panel = page.locator(f'.conversation[data-interaction="{landed["interaction_id"]}"]')
    expect(panel).to_be_visible()
    expect(panel.locator(".thread .messages")).to_contain_text("<img src=x onerror=window.__x=1>")
    assert page.evaluate("window.__x") is None
    expect(panel.get_by_label("Customer name")).to_have_value("Olga")
    panel.get_by_label("Customer name").fill("Olga Nowak")
    panel.get_by_label("Customer name").press("Enter")
    expect(panel.locator('[role="status"]')).to_have_text("Saved")
    assert demo.api("GET", f"/customers/{landed['customer_id']}")["display_name"] == "Olga Nowak"
    expect(panel.locator(".knowledge .articles li").first).to_be_visible()  # the reason's guideline
    panel.get_by_label("Reply").fill("Here it is: open the app, Accounts, Statements.")
    panel.get_by_label("Reply").press("Control+Enter")  # sends, as the button does
    expect(panel.locator(".thread .messages .outbound")).to_contain_text("open the app")
    panel.get_by_role("button", name="Send to customer").first.click()
    expect(panel.locator('[role="status"]')).to_contain_text("Sent:")
    expect(panel.locator(".thread .messages .outbound")).to_have_count(2)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "desk")

    panel.get_by_role("button", name="Continue by phone").click()  # same case, by phone
    panel.get_by_label("Phone number or e-mail address").fill("+48 600 200 300")  # none yet
    panel.get_by_role("button", name="Add", exact=True).click()
    phone_tab = page.get_by_role("tab").filter(has_text=subject).nth(1)
    expect(phone_tab).to_be_visible()
    expect(page.locator(".conversation:not([hidden]) .title")).to_contain_text("voice")
    page.get_by_role("tab").filter(has_text=subject).first.click()
    panel.get_by_role("button", name="End contact").click()
    expect(panel.get_by_role("button", name="Wrap up")).to_be_visible()
    # the reason is filled in from the case's (the customer chose it on the form)
    expect(panel.locator("select[name=reason]")).to_have_value("accounts.statement")
    panel.get_by_label("Resolved").check()
    panel.get_by_role("button", name="Wrap up").click()
    # the call of the same case is still open: the case is not resolved under it
    expect(panel.locator('.thread > [role="status"]')).to_contain_text("voice")
    phone_tab.click()
    call = page.locator(
        f'.conversation[data-interaction="{phone_tab.get_attribute("data-interaction")}"]'
    )
    call.get_by_role("button", name="End contact").click()
    call.locator("select[name=reason]").select_option("accounts.statement")
    call.get_by_role("button", name="Wrap up").click()
    expect(call).to_have_count(0)
    page.get_by_role("tab").filter(has_text=subject).first.click()
    panel.get_by_role("button", name="Wrap up").click()
    expect(panel).to_have_count(0)
    refused = [e for e in watched.errors if e.startswith("409 ") and "/cases/" in e]
    assert len(refused) == 1  # resolving under the open call: refused, and said on the desk
    watched.errors.remove(refused[0])
    watched.assert_clean()

    done = demo.api("GET", f"/interactions/{landed['interaction_id']}")
    assert done["status"] == "wrapped_up"
    assert done["reason_id"] is not None
    case = demo.api("GET", f"/cases/{landed['case_id']}")
    assert case["status"] == "resolved"


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the element the selector names (it must be reachable)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_the_desk_works_with_the_keyboard_alone(browser: Browser, demo: Demo) -> None:
    """Log in, go available, accept, reply, end, classify, resolve and wrap up: no mouse."""
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.goto(f"{demo.url}/login?next=/t/{demo.slug}/desk")
    tab_to(page, "input[name=email]")  # it has the focus from the start
    page.keyboard.type(demo.email(AGENT))
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{demo.url}/t/{demo.slug}/desk")
    tab_to(page, "#state")
    page.keyboard.press("Home")  # the first choice: available
    me = _me(page)
    for _ in range(100):
        if demo.api("GET", f"/agents/{me}")["state"] == "available":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the state did not change from the keyboard")
    email = f"keys-{uuid.uuid4().hex[:6]}@example.com"
    landed = demo.api(
        "POST", "/inbound",
        json={
            "channel": "webform", "external_id": f"keys:{email}", "subject": "Keyboard only",
            "body": "Where is my statement?", "reason": "accounts.statement",
            "sender": {"name": "Kai", "identities": [{"kind": "email", "value": email}]},
        },
    )  # fmt: skip
    offer = page.locator(f'.offer[data-interaction="{landed["interaction_id"]}"]')
    expect(offer.get_by_role("button", name="Accept")).to_be_focused(timeout=20_000)
    page.keyboard.press("Enter")
    panel = page.locator(f'.conversation[data-interaction="{landed["interaction_id"]}"]')
    expect(panel).to_be_visible()
    tab_to(page, f'.conversation[data-interaction="{landed["interaction_id"]}"] textarea')
    page.keyboard.type("It is in the app, under Accounts.")
    page.keyboard.press("Control+Enter")
    expect(panel.locator(".messages .outbound")).to_contain_text("under Accounts")
    tab_to(page, f'.conversation[data-interaction="{landed["interaction_id"]}"] button.end')
    page.keyboard.press("Enter")
    expect(panel.locator(".title")).to_contain_text("ended")
    tab_to(
        page, f'.conversation[data-interaction="{landed["interaction_id"]}"] select[name=reason]'
    )
    # the reason comes filled in from the case's (the form named it)
    expect(panel.locator("select[name=reason]")).to_have_value("accounts.statement")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # resolved
    expect(panel.get_by_label("Resolved")).to_be_checked()
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Wrap up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    watched.assert_clean()
    done = demo.api("GET", f"/interactions/{landed['interaction_id']}")
    assert done["status"] == "wrapped_up"
    assert demo.api("GET", f"/cases/{landed['case_id']}")["status"] == "resolved"


def _me(page: Page) -> str:
    data = page.evaluate("JSON.parse(document.getElementById('desk-data').textContent)")
    return str(data["me"]["id"])


def _write_in(demo: Demo, subject: str, email: str | None = None) -> Any:
    email = email or f"{uuid.uuid4().hex[:8]}@example.com"
    return demo.api(
        "POST", "/inbound",
        json={
            "channel": "webform", "external_id": f"details:{uuid.uuid4().hex}", "subject": subject,
            "body": f"About {subject}", "reason": "accounts.statement",
            "sender": {"name": "Ola", "identities": [{"kind": "email", "value": email}]},
        },
    )  # fmt: skip


def test_the_desk_shows_one_conversation_at_a_time_and_says_what_to_do(
    browser: Browser, demo: Demo
) -> None:
    """What a new user hit: conversations stacked under the selected tab, the empty note
    beside offers, the internal-note box left ticked, a transfer target chosen for them, a
    phone call to a customer without a number, a blank state after a missed offer."""
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, AGENT)
    page.locator("#state").select_option("available")
    first, second = _write_in(demo, "First question"), _write_in(demo, "Second question")
    offers = [
        page.locator(f'.offer[data-interaction="{c["interaction_id"]}"]') for c in (first, second)
    ]
    expect(offers[0]).to_be_visible(timeout=20_000)  # both at once: room for five web forms
    expect(page.locator("#empty")).to_be_hidden()  # an offer is work to do
    for offer in offers:
        offer.get_by_role("button", name="Accept").click(timeout=20_000)
    expect(page.get_by_role("tab")).to_have_count(2)
    expect(page.locator(".conversation:visible")).to_have_count(1)  # only the selected one
    expect(page.locator(".conversation:visible")).to_contain_text("Second question")
    page.get_by_role("tab", name="First question").click()
    expect(page.locator(".conversation:visible")).to_have_count(1)
    panel = page.locator(f'.conversation[data-interaction="{first["interaction_id"]}"]')
    expect(panel).to_be_visible()

    panel.get_by_label("Internal note").check()
    panel.get_by_label("Reply").fill("Checked the statement archive.")
    panel.get_by_role("button", name="Send", exact=True).click()
    expect(panel.locator(".messages .internal")).to_contain_text("statement archive")
    expect(panel.get_by_label("Internal note")).not_to_be_checked()

    assert panel.get_by_label("Transfer to").input_value() == ""
    panel.get_by_role("button", name="Transfer", exact=True).click()
    expect(panel.locator('.thread > [role="status"]')).to_have_text(
        "Choose where to transfer first"
    )

    panel.get_by_role("button", name="Continue by phone").click()
    expect(panel.locator('.thread > [role="status"]')).to_contain_text("no phone number")
    expect(page.get_by_role("tab")).to_have_count(2)  # no call without a number
    panel.get_by_label("Phone number or e-mail address").fill("+48 600 100 200")
    panel.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("tab")).to_have_count(3)  # the call, once the number is there
    customer = demo.api("GET", f"/customers/{first['customer_id']}?reveal=true")
    assert {"kind": "phone", "value": "+48600100200"} in [
        {"kind": i["kind"], "value": i["value"]} for i in customer["identities"]
    ]

    [accounts] = [q for q in demo.api("GET", "/queues") if q["name"] == "accounts"]
    demo.api("PATCH", f"/queues/{accounts['id']}", json={"offer_timeout_seconds": 5})
    third = _write_in(demo, "Third question")
    offer_of(page, third["interaction_id"])  # and let it ring out
    expect(page.locator("#state option:checked")).to_contain_text("Not responding", timeout=20_000)
    watched.assert_clean()
