"""Moving a case to another channel from the desk, in Chromium: a callback promised and called
off, a callback made "myself" that comes back as a call with the number to dial, an e-mail
summary that a real SMTP server receives while the desk shows its delivery, and a transfer to
a colleague."""

import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Demo, open_page, screenshot
from tests.browser.test_desk import at_desk, log_in, offer_of
from tests.channels.email.smtp import make_certificates, serving

AGENT = "agent4"  # the demo's specialist: calls and written contacts
WRITTEN = "agent3"  # kept away, so that the web form reaches the specialist


def _user_id(demo: Demo, who: str) -> str:
    [member] = [m for m in demo.api("GET", "/members") if m["email"] == demo.email(who)]
    return str(member["user_id"])


def _state(demo: Demo, user_id: str, state: str) -> None:
    demo.api("PUT", f"/agents/{user_id}/state", json={"state": state})


def test_a_callback_and_an_e_mail_summary_from_the_desk(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    written, me = _user_id(demo, WRITTEN), _user_id(demo, AGENT)
    _state(demo, written, "offline")
    _callbacks_and_summary(browser, demo, tmp_path, me, written)


def _callbacks_and_summary(
    browser: Browser, demo: Demo, tmp_path: Path, me: str, julia: str
) -> None:
    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, AGENT)
    page.locator("#state").select_option("available")
    email = f"move-{uuid.uuid4().hex[:6]}@example.com"
    landed = demo.api(
        "POST", "/inbound",
        json={
            "channel": "webform", "external_id": f"move:{email}", "subject": "Loan rate",
            "body": "Can someone call me about my loan rate?", "reason": "loans",
            "sender": {"name": "Lena", "identities": [{"kind": "email", "value": email}]},
        },
    )  # fmt: skip
    offer_of(page, landed["interaction_id"]).get_by_role("button", name="Accept").click()
    panel = page.locator(f'.conversation[data-interaction="{landed["interaction_id"]}"]')
    status = panel.locator('.thread > [role="status"]')

    # a callback tomorrow at ten, then called off
    panel.get_by_role("button", name="Offer a callback").click()
    form = panel.locator("form.callback")
    tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0)
    form.get_by_label("When").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Number").fill("+44 20 7946 0958")
    form.get_by_label("Note for the call").fill("About the loan rate <b>now</b>")
    form.get_by_role("button", name="Schedule the callback").click()
    expect(status).to_contain_text("Callback scheduled")
    item = panel.locator(".callbacks li")
    expect(item).to_contain_text("About the loan rate <b>now</b>")
    [promised] = demo.api("GET", f"/callbacks?case_id={landed['case_id']}")["items"]
    assert promised["status"] == "scheduled"
    assert promised["due_at"].startswith(tomorrow.astimezone().strftime("%Y-%m-%d"))
    item.get_by_role("button", name="Cancel").click()
    expect(status).to_contain_text("Callback cancelled")
    expect(item).to_have_count(0)
    assert demo.api("GET", f"/callbacks/{promised['id']}")["status"] == "cancelled"

    # as soon as possible, "myself": it comes back to this agent as a call to make
    panel.get_by_role("button", name="Offer a callback").click()
    form.get_by_label("Number").fill("+44 20 7946 0958")
    form.get_by_label("I will call back myself").check()
    form.get_by_role("button", name="Schedule the callback").click()
    expect(status).to_contain_text("Callback scheduled")
    expect(form).to_be_hidden()
    expect(panel.get_by_role("button", name="Offer a callback")).to_have_attribute(
        "aria-expanded", "false"
    )
    call = page.locator(".offer", has_text="voice")
    call.get_by_role("button", name="Accept").click(timeout=20_000)
    dial = page.locator(".conversation:not([hidden]) .callback-call")
    expect(dial).to_contain_text("Call the customer back on")
    dial.get_by_role("button", name="Reveal").click()
    expect(dial.get_by_role("link")).to_have_attribute("href", "tel:+442079460958")
    page.get_by_role("tab", name="Loan rate").click()
    expect(item).to_have_count(0)  # made: no longer waiting for its time (live, from events)
    expect(page.locator(".callback-call")).to_be_hidden()  # one conversation shows at a time

    # the e-mail summary, received by a real SMTP server
    with serving(make_certificates(tmp_path), security="none") as smtp:
        demo.api(
            "PUT", "/email",
            json={"from_address": "help@demo.bank", "from_name": "Demo Bank",
                  "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"},
        )  # fmt: skip
        try:
            panel.get_by_role("button", name="E-mail summary").click()
            summary = panel.locator("form.summary")
            expect(summary.get_by_label("Text")).to_have_value(
                re.compile("Can someone call me about my loan rate")
            )
            summary.get_by_label("Subject").fill("Your loan rate")
            summary.get_by_role("button", name="Send the e-mail").click()
            expect(status).to_contain_text("E-mail summary", timeout=10_000)
            expect(status).to_contain_text(": sent", timeout=20_000)
            history = panel.locator(".history .timeline")
            expect(history).to_contain_text("email · Your loan rate")  # the new e-mail, live
            screenshot(page, "desk-move")
            for _ in range(100):
                if smtp.mailbox.received:
                    break
                time.sleep(0.1)
            [mail] = smtp.mailbox.received
            assert mail.rcpt_tos == [email]
            assert mail.message["Subject"] == "Your loan rate"
            assert "loan rate" in mail.message.get_body(("plain",)).get_content()
        finally:
            demo.api("DELETE", "/email")

    # handed to a colleague at her desk: it leaves this desk and is offered to her
    at_desk(browser, demo, WRITTEN)
    panel.get_by_label("Transfer to").select_option(label="Julia Lewandowska")
    panel.get_by_role("button", name="Transfer", exact=True).click()
    try:
        expect(panel).to_have_count(0, timeout=15_000)
    except AssertionError as failed:  # say what the desk said
        raise AssertionError(f"the desk says: {status.text_content()}") from failed
    routed = demo.api("GET", f"/interactions/{landed['interaction_id']}/routing")
    assert (routed["status"], routed["agent_id"]) == ("offered", julia)
    _state(demo, me, "offline")
    watched.assert_clean()
