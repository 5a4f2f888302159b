"""One desk for several projects in Chromium: an agent of two tenants takes a contact of the
second from the shared offers, answers it in that project's panel, and goes offline in both."""

import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Browser, expect

from omniline.demo import DEMO_PASSWORD
from tests.browser.conftest import Demo, open_page, screenshot
from tests.browser.test_desk import log_in
from tests.serverproc import cli, server_env


def _second_project(demo: Demo, email: str) -> Any:
    """A second tenant (as an operator makes one) where the agent takes web forms."""
    second = f"{demo.slug}-north"
    env = server_env(demo.data)
    cli(env, "tenants", "create", second, "North Telecom")
    cli(env, "users", "grant", email, second, "agent")
    scopes = ["inbound.write", "routing.manage", "routing.supervise", "interactions.read"]
    token = cli(env, "tokens", "create", second, "setup", *[f"--scope={s}" for s in scopes])

    def api(method: str, path: str, **kw: Any) -> Any:
        response = httpx.request(
            method, f"{demo.url}/api/v1/tenants/{second}{path}",
            headers={"Authorization": f"Bearer {token.strip()}"}, timeout=30, **kw,
        )  # fmt: skip
        assert response.status_code < 300, response.text
        return response.json()

    queue = api(
        "POST", "/queues", json={"name": "support", "channels": ["webform"], "calendar": {}}
    )
    profile = api(
        "POST", "/routing-profiles",
        json={"name": "web", "queues": [{"queue_id": queue["id"]}], "capacity": {"webform": 2}},
    )  # fmt: skip
    return api, profile


def _new_agent(demo: Demo) -> tuple[str, str]:
    """A new agent of the bank: invited by its admin, joining with the invitation's code."""
    email = demo.email(f"multi-{uuid.uuid4().hex[:6]}")
    invited = demo.api(
        "POST", "/members",
        json={"email": email, "role": "agent", "name": "Nina Multi", "password": DEMO_PASSWORD},
    )  # fmt: skip
    login = httpx.post(
        f"{demo.url}/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200, login.text
    joined = httpx.post(
        f"{demo.url}/api/v1/me/invitations/{invited['id']}/accept",
        json={"code": invited["code"]},
        headers={"Authorization": f"Bearer {login.json()['token']}"},
    )
    assert joined.status_code < 300, joined.text
    return email, str(login.json()["user_id"])


def test_an_agent_works_two_projects_in_one_desk(browser: Browser, demo: Demo) -> None:
    email, user_id = _new_agent(demo)
    api, profile = _second_project(demo, email)
    api("PATCH", f"/agents/{user_id}", json={"profile_id": profile["id"]})

    watched = open_page(browser, locale="en-GB")
    page = watched.page
    log_in(page, demo, email, "/desk")
    page.get_by_label("North Telecom").check()
    page.get_by_label("Demo Bank").check()
    page.get_by_role("button", name="Open one desk for the chosen projects").click()
    tabs = page.locator("#projects [role=tab]")
    expect(tabs).to_have_text(["Demo Bank", "North Telecom"])
    north = page.locator(f'.project[data-project="{demo.slug}-north"]')
    tabs.nth(1).click()
    north.locator("[data-part=state]").select_option("available")
    for _ in range(100):
        if api("GET", f"/agents/{user_id}")["state"] == "available":
            break
        time.sleep(0.1)
    tabs.nth(1).press("ArrowLeft")  # the keyboard moves between projects too
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(north).to_be_hidden()

    landed = api(
        "POST", "/inbound",
        json={
            "channel": "webform", "external_id": f"multi:{email}", "subject": "Roaming in Oslo",
            "body": "My phone has no signal abroad",
            "sender": {"name": "Erik", "identities": [{"kind": "email", "value": f"e-{email}"}]},
        },
    )  # fmt: skip
    offer = page.locator(f'#offers .offer[data-interaction="{landed["interaction_id"]}"]')
    expect(offer).to_contain_text("North Telecom · New contact: webform", timeout=20_000)
    expect(tabs.nth(1)).to_have_class("tab has-offer")
    offer.get_by_role("button", name="Accept").click()
    expect(north).to_be_visible()  # accepting brings its project to the front
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    conversation = north.locator(f'.conversation[data-interaction="{landed["interaction_id"]}"]')
    expect(conversation).to_contain_text("My phone has no signal abroad")
    conversation.get_by_label("Reply").fill("Please switch data roaming on in Settings.")
    conversation.get_by_label("Reply").press("Control+Enter")
    expect(conversation.locator(".messages .outbound")).to_contain_text("data roaming")
    screenshot(page, "desk-projects")

    page.get_by_label("All projects").select_option("offline")
    for _ in range(100):
        states = [
            api("GET", f"/agents/{user_id}")["state"],
            demo.api("GET", f"/agents/{user_id}")["state"],
        ]
        if states == ["offline", "offline"]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the agent's states are {states}")
    watched.assert_clean()
