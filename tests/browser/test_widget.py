"""The chat widget in Chromium, on the demo's sample company site as `make run` serves it."""

from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Demo, Watched, open_page, screenshot
from tests.browser.test_desk import at_desk

XSS = "<img src=x onerror=window.__x=1>"
REPLY = "Hello from the bank: how can I help?"


def _interaction_with(demo: Demo, text: str) -> str:
    """The chat (as staff see it) whose messages include a text."""
    rows = demo.api("GET", "/interactions", params={"channel": "webchat", "limit": 200})["items"]
    for row in sorted(rows, key=lambda r: r["created_at"], reverse=True):
        messages = demo.api("GET", f"/interactions/{row['id']}/messages")["items"]
        if any(m["body"] == text for m in messages):
            return str(row["id"])
    raise AssertionError(f"no chat with the message {text!r}")


def _widget(page: Page) -> Any:
    return page.locator("[data-omniline-chat]")


def _someone_available(browser: Browser, demo: Demo) -> Watched:
    """An agent at an open desk, available, so the chat is answered."""
    return at_desk(browser, demo, "agent1")


def _open_form(page: Page) -> None:
    """Open the chat; if the wait is long, choose to wait anyway."""
    page.get_by_role("button", name="Chat with us").click()
    anyway = page.get_by_role("button", name="Wait for an agent")
    if anyway.is_visible():
        anyway.click()


def test_a_visitor_chats_and_the_chat_follows_them_across_pages(
    browser: Browser, demo: Demo
) -> None:
    _desk = _someone_available(browser, demo)  # kept open while the test runs
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.goto(f"{demo.url}/demo/site?bank={demo.slug}")
    _open_form(page)
    dialog = page.get_by_role("dialog", name="Chat · Demo Bank")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Your name")).to_be_focused()  # keyboard users start in the form
    page.get_by_role("button", name="Start the chat").click()
    expect(page.get_by_role("alert")).to_have_text("Please fill in: Your name, How can we help?")
    page.get_by_label("Your name").fill(XSS)
    page.get_by_label("How can we help?").fill(XSS)
    page.get_by_role("button", name="Start the chat").click()

    expect(dialog.get_by_text(XSS, exact=True)).to_be_visible()  # shown as text
    assert page.evaluate("window.__x") is None
    assert _widget(page).evaluate("h => h.shadowRoot.querySelectorAll('img').length") == 0
    expect(page.get_by_role("status").first).to_contain_text("queue")
    screenshot(page, "webchat-waiting")

    interaction = _interaction_with(demo, XSS)
    demo.api("POST", f"/interactions/{interaction}/messages", json={"body": REPLY})
    expect(dialog.get_by_text(REPLY)).to_be_visible()

    composer = page.get_by_role("textbox", name="Write a message…")
    composer.fill("Thank you, my card is blocked")
    composer.press("Enter")  # Enter sends
    expect(dialog.get_by_text("Thank you, my card is blocked")).to_be_visible()
    expect(composer).to_have_value("")

    page.reload()  # the conversation is still there
    expect(dialog.get_by_text(REPLY)).to_be_visible()
    expect(dialog.get_by_text(XSS, exact=True)).to_be_visible()

    page.get_by_role("link", name="Cards").first.click()  # another page of the site
    expect(page).to_have_url(f"{demo.url}/demo/site/other?bank={demo.slug}")
    expect(dialog.get_by_text(REPLY)).to_be_visible()
    demo.api("POST", f"/interactions/{interaction}/messages", json={"body": "Still here?"})
    expect(dialog.get_by_text("Still here?")).to_be_visible()
    screenshot(page, "webchat-active")

    page.keyboard.press("Escape")  # closes, and focus goes back to the launcher
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    watched.assert_clean()


def test_files_are_sent_and_oversized_ones_refused_with_a_message(
    browser: Browser, demo: Demo
) -> None:
    _desk = _someone_available(browser, demo)  # kept open while the test runs
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.goto(f"{demo.url}/demo/site?bank={demo.slug}")
    _open_form(page)
    page.get_by_label("Your name").fill("Filip")
    page.get_by_label("How can we help?").fill("I have a statement to show you")
    page.get_by_role("button", name="Start the chat").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("I have a statement to show you")).to_be_visible()
    picker = _widget(page).locator("input[type=file]")
    picker.set_input_files(
        {"name": "statement.txt", "mimeType": "text/plain", "buffer": b"Balance: 100 PLN\n"}
    )
    download = dialog.get_by_role("button", name="Download statement.txt")
    with page.expect_download() as fetched:
        download.click()
    assert fetched.value.suggested_filename == "statement.txt"
    assert fetched.value.path().read_bytes() == b"Balance: 100 PLN\n"
    picker.set_input_files(
        {"name": "huge.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * 10_485_760}
    )
    expect(dialog.get_by_role("alert")).to_have_text(
        "The file is larger than 10 MB and cannot be sent."
    )
    picker.set_input_files({"name": "page.html", "mimeType": "text/html", "buffer": b"<b>x</b>"})
    expect(dialog.get_by_role("alert")).to_contain_text("Only PNG and JPEG images")
    watched.assert_clean()


def test_the_widget_speaks_the_pages_language(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    page.goto(f"{demo.url}/demo/site?bank={demo.slug}&lang=pl")
    page.get_by_role("button", name="Napisz do nas").click()
    expect(page.get_by_role("dialog", name="Czat · Demo Bank")).to_be_visible()
    page.goto(f"{demo.url}/demo/site?bank={demo.slug}&lang=ru")
    expect(page.get_by_role("dialog", name="Чат · Demo Bank")).to_be_visible()  # still open
    watched.assert_clean()
