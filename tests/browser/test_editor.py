"""The knowledge base's editor pages in Chromium: a supervisor of the demo bank writes an
article in Markdown, publishes it, sees it on the help portal, changes it and rolls it back."""

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from omniline.demo import DEMO_PASSWORD
from tests.browser.conftest import Demo, open_page, screenshot

EDITOR = "supervisor"


def log_in(page: Page, demo: Demo, who: str) -> None:
    """Open the knowledge base; the login page sends the person back to it."""
    page.goto(f"{demo.url}/t/{demo.slug}/knowledge")
    page.get_by_label("E-mail").fill(demo.email(who))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Knowledge base", level=1)).to_be_visible()


def on_the_portal(page: Page, title: str, text: str) -> None:
    """The portal's link opens the article as customers read it; then back to the editor."""
    editor = page.url.split("?")[0]  # reopened as it was written: Markdown (issue 12)
    page.get_by_role("link", name="Open on the help portal").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.locator("article .body")).to_contain_text(text)
    page.goto(editor)


def test_an_editor_writes_publishes_and_rolls_back(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, EDITOR)
    expect(page.locator("table.articles")).to_contain_text("How to block a lost or stolen card")
    screenshot(page, "editor-articles")

    page.get_by_role("link", name="New article").click()
    title = f"Travelling abroad {uuid.uuid4().hex[:6]}"
    page.get_by_label("Title").fill(title)
    expect(page.get_by_label("Markdown")).to_be_checked()
    page.get_by_label("Text", exact=True).fill(
        "## Before you travel\n\nTell us **where** you go, and *when*.\n\n- Cards work abroad\n"
    )
    page.get_by_label("Tags").fill("travel, cards")
    page.get_by_role("checkbox", name=re.compile(r"cards\.lost")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The draft is saved as version 1.")
    expect(page.locator(".preview h2").last).to_have_text("Before you travel")
    expect(page.locator(".preview strong")).to_have_text("where")
    screenshot(page, "editor-article")

    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    on_the_portal(page, title, "Tell us where you go")

    expect(page.get_by_label("Markdown")).to_be_checked()
    expect(page.get_by_label("Text", exact=True)).to_have_value(re.compile(r"^## Before you"))
    page.get_by_label("Text", exact=True).fill("## Before you travel\n\nCall us **first**.")
    page.get_by_label("Change note").fill("call us first")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    expect(page.locator(".versions")).to_contain_text("call us first")
    on_the_portal(page, title, "Call us first.")

    page.get_by_role("button", name="Roll back to version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Rolled back")
    expect(page.locator(".versions tbody tr")).to_have_count(3)
    on_the_portal(page, title, "Tell us where you go")

    page.get_by_role("link", name="Reasons and guidelines").click()
    expect(page.locator(".taxonomy")).to_contain_text(title)
    screenshot(page, "editor-reasons")
    page.get_by_role("link", name="What works").click()
    expect(page.get_by_role("heading", name="Searches that found nothing")).to_be_visible()
    screenshot(page, "editor-report")
    watched.assert_clean()


def test_an_agent_reads_without_edit_controls(browser: Browser, demo: Demo) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, "agent1")
    expect(page.get_by_role("link", name="New article")).to_have_count(0)
    page.get_by_role("link", name="How to block a lost or stolen card").click()
    expect(page.locator(".preview .body")).to_contain_text("block it at once")
    expect(page.get_by_role("button", name=re.compile("Save|Publish|Roll back"))).to_have_count(0)
    screenshot(page, "editor-read-only")
    watched.assert_clean()
