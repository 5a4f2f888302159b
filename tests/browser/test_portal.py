"""The help portal and case status in Chromium, on the demo tenant as `make run` serves it."""

import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Demo, open_page, screenshot
from tests.channels.email.smtp import make_certificates, serving

TITLE = "Card stolen abroad: what to do first"


@pytest.fixture
def article(demo: Demo) -> dict[str, Any]:
    """A public article of our own, under the demo's 'Lost or stolen card' reason."""
    reasons = {r["code"]: r for r in demo.api("GET", "/reasons")}
    made = demo.api(
        "POST",
        "/articles",
        json={
            "title": TITLE,
            "body": "<h2>Block the card</h2><p>Open the app and press <strong>Block</strong>."
            "</p><p>Then report the theft to the local police.</p>",
            "tags": ["cards", "travel"],
        },
    )
    demo.api(
        "PUT", f"/articles/{made['id']}/reasons", json={"reason_ids": [reasons["cards.lost"]["id"]]}
    )
    demo.api("POST", f"/articles/{made['id']}/publish")
    return dict(made)


def _contact_note(demo: Demo, name: str) -> str:
    """The internal note on the contact a portal visitor made (what the agent reads)."""
    [customer] = demo.api("GET", "/customers", params={"q": name})["items"]
    [case] = demo.api("GET", "/cases", params={"customer_id": customer["id"]})["items"]
    detail = demo.api("GET", f"/cases/{case['id']}")
    interaction = detail["interactions"][0]["id"]
    messages = demo.api("GET", f"/interactions/{interaction}/messages")["items"]
    [note] = [m for m in messages if m["internal"]]
    return str(note["body"])


def test_a_visitor_browses_searches_reads_and_asks_for_help(
    browser: Browser, demo: Demo, article: dict[str, Any]
) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.goto(f"{demo.url}/help/{demo.slug}")
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    screenshot(page, "portal-home")
    page.get_by_role("link", name=re.compile(r"^Cards")).click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()

    search = page.get_by_label("Search the help center")
    search.fill("stolne card abraod")  # typos are corrected
    search.press("Enter")
    expect(page.locator(".results li").first).to_contain_text(TITLE)
    expect(page.locator(".results mark").first).to_be_visible()
    screenshot(page, "portal-search")

    page.get_by_label("Search the help center").fill("<img src=x onerror=window.__xss=1>")
    page.get_by_label("Search the help center").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<img src=x onerror")
    assert page.evaluate("window.__xss") is None

    name = f"Eve {uuid.uuid4().hex[:6]}"
    page.get_by_role("link", name="Write to us").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill(f"{name.split()[1]}@example.com")
    page.get_by_label("Topic").select_option("cards.lost")
    page.get_by_label("How can we help?").fill("My card was stolen in Rome <script>x()</script>")
    expect(page.locator(".trail summary")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".case-number")).to_have_text(re.compile(r"^\d+$"))
    watched.assert_clean()

    note = _contact_note(demo, name)
    assert "“stolne card abraod”" in note
    assert f"“{TITLE}”" in note


def test_the_portal_speaks_the_visitors_language(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="pl-PL")
    page = watched.page
    page.goto(f"{demo.url}/help/{demo.slug}")
    expect(page.get_by_role("heading", name="W czym możemy pomóc?")).to_be_visible()
    page.get_by_role("link", name="Русский").click()
    expect(page.get_by_role("heading", name="Как мы можем помочь?")).to_be_visible()
    page.get_by_role("link", name="Статус обращения").click()
    expect(page.get_by_role("heading", name="Статус обращения")).to_be_visible()
    watched.assert_clean()


def test_a_polish_visitor_reads_polish(browser: Browser, demo: Demo) -> None:
    """Issue 12: Polish reason names and button, each topic once and in Polish, counts of
    topics with their plural form, translations linked both ways, the customer's words."""
    watched = open_page(browser, locale="pl-PL")
    page = watched.page
    page.goto(f"{demo.url}/help/{demo.slug}")
    expect(page.get_by_role("button", name="Szukaj")).to_be_visible()
    cards = page.get_by_role("link", name=re.compile(r"^Karty"))
    expect(cards).to_contain_text(re.compile(r"\d+ artykuł(y|ów)?$"))
    cards.click()
    expect(page.get_by_role("heading", name="Karty", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Zablokowana karta")).to_be_visible()
    unblock = page.get_by_role("link", name="Jak odblokować kartę po trzech błędnych PIN-ach")
    expect(unblock).to_have_count(1)
    expect(page.get_by_role("link", name="Unblocking a card after three wrong PINs")).to_have_count(
        0
    )
    unblock.click()
    page.locator(".translations a[lang=ru]").click()  # "also in": the Russian version
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Как разблокировать карту после трёх неверных PIN"
    )
    expect(page.locator(".translations a[lang=pl]")).to_have_count(1)  # and back
    page.goto(f"{demo.url}/help/{demo.slug}?lang=ru")
    page.get_by_label("Поиск по центру помощи").fill("заблокирована карта")
    page.get_by_label("Поиск по центру помощи").press("Enter")
    expect(page.locator(".results")).to_contain_text("Как разблокировать карту")
    expect(page.locator("p.muted").first).to_contain_text(re.compile(r"^Найден[оа] \d+ стат"))  # noqa: RUF001
    watched.assert_clean()


def _code_in(smtp: Any, address: str, seconds: float = 20) -> str:
    """The one-time code the portal mailed to an address (the worker sends it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for mail in smtp.mailbox.received:
            if address in mail.rcpt_tos:
                text = mail.message.get_body(("plain",)).get_content()
                found = re.findall(r"help portal: (\d{6})", text)
                if found:
                    return str(found[-1])
        time.sleep(0.1)
    raise AssertionError(f"no code was mailed to {address}")


def test_a_customer_follows_and_answers_their_case(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    email = f"kit-{uuid.uuid4().hex[:6]}@example.com"
    landed = demo.api_inbound(email, "Where is my new card?")
    demo.api(
        "POST",
        f"/interactions/{landed['interaction_id']}/messages",
        json={"body": "It left our office yesterday; expect it on Friday."},
    )
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    with serving(make_certificates(tmp_path), security="none") as smtp:
        demo.api(
            "PUT", "/email",
            json={"from_address": "help@bank.test", "from_name": "Demo Bank",
                  "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"},
        )  # fmt: skip
        page.goto(f"{demo.url}/help/{demo.slug}/status")
        page.get_by_label("Case number").fill(str(landed["case_number"]))
        page.get_by_label("E-mail").fill("someone-else@example.com")  # not the customer's
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("Code").fill("123456")
        page.get_by_role("button", name="Show my case").click()
        expect(page.get_by_role("alert")).to_be_visible()  # a guess opens nothing
        assert not any("someone-else@example.com" in m.rcpt_tos for m in smtp.mailbox.received)

        page.goto(f"{demo.url}/help/{demo.slug}/status")
        page.get_by_label("Case number").fill(str(landed["case_number"]))
        page.get_by_label("E-mail").fill(email.upper())
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("Code").fill(_code_in(smtp, email))
        page.get_by_role("button", name="Show my case").click()
    expect(page.get_by_role("heading", name=f"Case {landed['case_number']}")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("expect it on Friday")
    page.get_by_label("Add a message").fill("Thanks, I will wait. <img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages li").last).to_contain_text("<img src=x onerror=alert(1)>")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "portal-case-status")
    watched.assert_clean()

    link = demo.api("POST", f"/cases/{landed['case_id']}/status-link")["url"]
    other = open_page(browser, locale="en-GB")
    other.page.goto(link)
    expect(other.page.get_by_role("heading", name=f"Case {landed['case_number']}")).to_be_visible()
    other.page.goto(link[:-3] + "xyz")  # a damaged link proves nothing
    expect(other.page.get_by_role("alert")).to_contain_text("not valid")
    other.assert_clean()
