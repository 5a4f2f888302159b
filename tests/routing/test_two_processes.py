"""Two server processes on one PostgreSQL database route the same tenant at once.

Each agent's desk is a WebSocket connected to one of them (routing offers work only to agents
whose desk is connected, wherever it is). Contacts arrive at both; agents accept, decline,
end contacts and take breaks through both; both processes run routing passes and tick jobs.
Replaying the event log (which is in commit order) must show that no contact was ever
offered to two agents and that no agent ever held more than their capacity.
"""

import asyncio
import contextlib
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from omniline.auth.permissions import Permission
from omniline.auth.service import create_api_token
from omniline.config import Settings
from omniline.routing import service as routing
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant
from omniline.users.service import add_membership, create_user
from tests.conftest import PASSWORD, PG_URL, _truncate_pg
from tests.serverproc import free_port, wait_healthy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs OMNILINE_TEST_DATABASE_URL (PostgreSQL)"),
]

AGENTS = 8
CAPACITY = 2
CONTACTS = 80
T = "/api/v1/tenants/acme"


@pytest.fixture
async def database(pg_migrated: str | None) -> str:
    assert pg_migrated is not None
    await _truncate_pg(pg_migrated)
    return pg_migrated


@pytest.fixture
async def setup(database: str, tmp_path: Path) -> dict[str, Any]:
    """A tenant with a chat queue, agents with a profile, and an API token."""
    runtime = Runtime.build(Settings(database_url=database, data_dir=tmp_path, dev=True))
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    token, _ = await create_api_token(work, tenant, "feed", frozenset(Permission))
    queue = await routing.create_queue(
        work, tenant, {"name": "chat", "channels": ["chat"], "calendar": {},
                       "offer_timeout_seconds": 5}
    )  # fmt: skip
    await work.session.flush()
    profile = await routing.create_profile(
        work,
        tenant,
        {"name": "chat", "queues": [{"queue_id": str(queue.id)}], "capacity": {"chat": CAPACITY}},
    )
    await work.session.flush()
    emails = []
    for n in range(AGENTS):
        user = await create_user(work, email=f"a{n}@acme.test", name=f"A{n}", password=PASSWORD)
        await add_membership(work, tenant, user, "agent")
        await work.session.flush()
        agent = await routing.get_or_make_agent(work, tenant, user.id)
        agent.profile_id = profile.id
        emails.append(email := user.email)
        assert email
    await work.commit()
    await work.session.close()
    await runtime.stop()
    return {"token": token, "emails": emails}


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNILINE_")}
    env.update(
        OMNILINE_DATABASE_URL=database,
        OMNILINE_DEV="1",
        OMNILINE_WORKER_IN_PROCESS="1",
        OMNILINE_WORKER_POLL_SECONDS="0.2",
        OMNILINE_DATA_DIR=str(tmp_path),
    )
    procs, urls = [], []
    for n in range(2):
        port = free_port()
        log = (tmp_path / f"server{n}.log").open("wb")
        command = [sys.executable, "-m", "uvicorn", "omniline.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        procs.append((proc, log))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, (proc, _) in zip(urls, procs, strict=True):
            wait_healthy(url, proc)
        yield urls
    finally:
        for proc, log in procs:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


class Person:
    """An agent working through both servers at random."""

    def __init__(self, http: httpx.AsyncClient, urls: list[str], token: str, user_id: str):
        self.http, self.urls, self.token, self.user_id = http, urls, token, user_id
        self.rng = random.Random(user_id)

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = self.rng.choice(self.urls) + T + path
        return await self.http.request(
            method, url, headers={"Authorization": f"Bearer {self.token}"}, **kw
        )

    async def work(self, stop: asyncio.Event) -> None:
        seen = 0
        holding: set[str] = set()
        while not stop.is_set():
            page = (await self.call("GET", "/events", params={"after": seen, "limit": 500})).json()
            seen = page["next_after"]
            for event in page["events"]:
                data = event["data"]
                if event["kind"] == "interaction.offered" and data.get("agent_id") == self.user_id:
                    iid = event["interaction_id"]
                    verb = "accept" if self.rng.random() < 0.75 else "decline"
                    response = await self.call("POST", f"/interactions/{iid}/{verb}")
                    if verb == "accept" and response.status_code == 200:
                        holding.add(iid)
            for iid in list(holding):
                if self.rng.random() < 0.3:
                    await self.call("POST", f"/interactions/{iid}/steps", json={"step": "ended"})
                    holding.discard(iid)
            if self.rng.random() < 0.05:
                await self.call("PUT", f"/agents/{self.user_id}/state",
                                json={"state": "break", "reason": "break"})  # fmt: skip
                await asyncio.sleep(0.05)
            if self.rng.random() < 0.5:  # also comes back from not_responding
                await self.call("PUT", f"/agents/{self.user_id}/state", json={"state": "available"})
            await asyncio.sleep(0.02)


async def test_no_double_offer_and_no_agent_over_capacity(
    setup: dict[str, Any], servers: list[str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        people = []
        for email in setup["emails"]:
            login = await http.post(
                servers[0] + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            body = login.json()
            people.append(Person(http, servers, body["token"], body["user_id"]))
        stop = asyncio.Event()
        # each agent's desk is connected to one process; both processes' passes see it
        desks = [
            asyncio.create_task(_desk(servers[i % 2], p.token, stop)) for i, p in enumerate(people)
        ]
        for person in people:
            await _until_desk(person)
            ok = await person.call(
                "PUT", f"/agents/{person.user_id}/state", json={"state": "available"}
            )
            assert ok.status_code == 200, ok.text
        workers = [asyncio.create_task(p.work(stop)) for p in people]
        api = {"Authorization": f"Bearer {setup['token']}"}

        async def send(n: int) -> None:
            body = {
                "channel": "chat",
                "external_id": f"m{n}",
                "sender": {"identities": [{"kind": "email", "value": f"c{n}@ex.com"}]},
                "body": "hello",
            }
            response = await http.post(servers[n % 2] + "/api/v1/inbound", json=body, headers=api)
            assert response.status_code == 200, response.text

        for start in range(0, CONTACTS, 10):
            await asyncio.gather(*(send(n) for n in range(start, start + 10)))
            await asyncio.sleep(0.1)
        events = await _wait_until_all_answered(http, servers[1], api)
        stop.set()
        await asyncio.gather(*workers, *desks)

    _check_replay(events)


async def _desk(url: str, token: str, stop: asyncio.Event) -> None:
    """An agent's desk page: its socket open (and read) until the test ends."""
    address = url.replace("http://", "ws://") + T + f"/ws?desk=1&token={token}"
    async with connect(address) as ws:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.2)


async def _until_desk(person: Person) -> None:
    for _ in range(200):
        agent = (await person.call("GET", f"/agents/{person.user_id}")).json()
        if agent["desks"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the desk of {person.user_id} never connected")


async def _wait_until_all_answered(
    http: httpx.AsyncClient, url: str, api: dict[str, str]
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for _ in range(600):  # at most a minute
        events = await _all_events(http, url, api)
        answered = {e["interaction_id"] for e in events if e["kind"] == "interaction.answered"}
        if len(answered) >= CONTACTS:
            return events
        await asyncio.sleep(0.1)
    answered = {e["interaction_id"] for e in events if e["kind"] == "interaction.answered"}
    raise AssertionError(f"only {len(answered)} of {CONTACTS} contacts were answered")


async def _all_events(
    http: httpx.AsyncClient, url: str, api: dict[str, str]
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (
            await http.get(url + T + "/events", params={"after": after, "limit": 1000}, headers=api)
        ).json()
        events.extend(page["events"])
        if not page["events"]:
            return events
        after = page["next_after"]


def _check_replay(events: list[dict[str, Any]]) -> None:
    offered_to: dict[str, str | None] = {}
    holding: dict[str, set[str]] = {}
    offers = 0
    for event in sorted(events, key=lambda e: e["id"]):
        kind, iid, data = event["kind"], event["interaction_id"], event["data"]
        if kind == "interaction.offered":
            offers += 1
            assert offered_to.get(iid) is None, f"{iid} offered to two agents (event {event['id']})"
            agent = data["agent_id"]
            offered_to[iid] = agent
            mine = holding.setdefault(agent, set())
            mine.add(iid)
            assert len(mine) <= CAPACITY, f"agent {agent} over capacity at event {event['id']}"
        elif kind == "interaction.requeued":
            agent = offered_to.pop(iid, None)
            assert agent is not None, f"{iid} requeued without an offer (event {event['id']})"
            holding[agent].discard(iid)
        elif kind == "interaction.ended":
            agent = offered_to.get(iid)
            if agent is not None:
                holding[agent].discard(iid)
    assert offers >= CONTACTS
    uuid.UUID(next(iter(offered_to)))  # ids are real ids
