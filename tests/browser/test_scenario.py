"""The whole path in three browsers: a customer chats on the sample site, an agent answers on
the desk, classifies and wraps up, the supervisor's wallboard counts it, and the customer's
conversation survives a reload."""

import uuid

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Demo, open_page, screenshot
from tests.browser.test_desk import log_in
from tests.browser.test_widget import _interaction_with, _open_form

AGENT = "agent1"  # "Voice + chat": chats land in her hands, cards first


def _only_agent1_takes_chats(demo: Demo) -> None:
    """The bank's other agents go offline, so the chat lands with agent1."""
    agents = [a for a in demo.api("GET", "/agents") if a["profile_id"]]
    [me] = [m["user_id"] for m in demo.api("GET", "/members") if m["email"] == demo.email(AGENT)]
    for row in agents:
        if row["user_id"] != me and row["state"] != "offline":
            demo.api("PUT", f"/agents/{row['user_id']}/state", json={"state": "offline"})


def test_customer_agent_and_supervisor_in_three_browsers(browser: Browser, demo: Demo) -> None:
    _only_agent1_takes_chats(demo)
    supervisor = open_page(browser, locale="en-GB")
    log_in(supervisor.page, demo, "supervisor", "wallboard")
    cards_row = supervisor.page.locator("#queues tr", has_text="cards")
    expect(cards_row).to_be_visible()
    answered_before = int(cards_row.locator(".answered").inner_text())

    agent = open_page(browser, locale="en-GB")
    log_in(agent.page, demo, AGENT)
    agent.page.locator("#state").select_option("available")

    customer = open_page(browser, locale="en-GB")
    page = customer.page
    page.goto(f"{demo.url}/demo/site?bank={demo.slug}")
    _open_form(page)
    question = f"I lost my card in Kraków ({uuid.uuid4().hex[:6]})"
    page.get_by_label("Your name").fill("Marta")
    page.get_by_label("Topic").select_option("cards.lost")
    page.get_by_label("How can we help?").fill(question)
    page.get_by_role("button", name="Start the chat").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(question)).to_be_visible()
    interaction = _interaction_with(demo, question)

    panel = agent.page.locator(f'.conversation[data-interaction="{interaction}"]')
    expect(panel).to_be_visible(timeout=20_000)  # auto-accepted: it lands in her hands
    expect(panel.locator(".thread .messages")).to_contain_text(question)
    expect(cards_row.locator(".answered")).to_have_text(str(answered_before + 1), timeout=10_000)

    composer = page.get_by_role("textbox", name="Write a message…")
    composer.press_sequentially("Are you there")  # typing reaches the agent, and back
    expect(panel.locator(".typing")).to_have_text("The customer is typing…")
    panel.get_by_label("Reply").press_sequentially("Yes")
    expect(dialog).to_contain_text("Katarzyna is typing")
    panel.get_by_label("Reply").fill("")
    reply = "I have blocked the card; a new one is on its way."
    panel.get_by_label("Reply").fill(reply)
    panel.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text(reply)).to_be_visible(timeout=10_000)
    panel.get_by_label("Attach a file").set_input_files(
        {"name": "new-card.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 card"}
    )
    panel.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_role("button", name="Download new-card.pdf")).to_be_visible()
    screenshot(agent.page, "scenario-desk")
    screenshot(page, "scenario-widget")

    panel.get_by_role("button", name="End contact").click()
    panel.locator("select[name=reason]").select_option("cards.lost")
    panel.get_by_label("Resolved").check()
    panel.get_by_role("button", name="Wrap up").click()
    expect(panel).to_have_count(0)
    assert demo.api("GET", f"/interactions/{interaction}")["status"] == "wrapped_up"

    page.reload()  # the open chat opens again with its conversation
    expect(page.get_by_role("dialog").get_by_text(reply)).to_be_visible()
    expect(page.get_by_role("dialog").get_by_text(question)).to_be_visible()
    screenshot(supervisor.page, "scenario-wallboard")
    for watched in (supervisor, agent, customer):
        watched.assert_clean()
