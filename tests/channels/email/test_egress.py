"""An installation that allows only public addresses (the default): a tenant's SMTP server
on loopback, a private network or any other non-public address is refused when saved, and a
stored one is neither checked nor sent to."""

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from omniline.config import Settings
from omniline.models import DeliveryStatus
from omniline.runtime import Runtime
from tests.channels.email.helpers import FROM, inbound, summary_url
from tests.channels.email.smtp import PASSWORD, USER
from tests.channels.helpers import add_account, load_message
from tests.channels.peer import service
from tests.conftest import World


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """An installation with the default egress policy: public addresses only."""
    return Settings(
        database_url=db_url, data_dir=tmp_path, dev=True, worker_in_process=False, redis_url=None
    )


def settings_with(host: str, **changes: Any) -> dict[str, Any]:
    return {
        "from_address": FROM,
        "smtp_host": host,
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": USER,
        "smtp_password": PASSWORD,
        **changes,
    }


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "is a loopback address"),
        ("localhost", "resolves to a loopback address"),
        ("::1", "is a loopback address"),
        ("[::1]", "is a loopback address"),
        ("::ffff:127.0.0.1", "is a loopback address"),
        ("10.0.0.5", "is a private address"),
        ("192.168.1.10", "is a private address"),
        ("fd00::25", "is a private address"),
        ("169.254.169.254", "is a link-local address"),
        ("100.64.0.1", "is a shared (carrier-grade NAT) address"),
        ("0.0.0.0", "is an unspecified or multicast address"),  # noqa: S104
    ],
)
async def test_a_server_that_is_not_public_is_refused_when_saved(
    client: httpx.AsyncClient, world: World, host: str, kind: str
) -> None:
    url = f"/api/v1/tenants/{world.tenant.slug}/email"
    response = await client.put(url, json=settings_with(host), headers=world.auth("admin"))

    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("smtp_host: ")
    assert kind in message
    assert "does not connect to" in message
    assert (await client.get(url, headers=world.auth("admin"))).status_code == 404


async def test_a_stored_server_that_is_not_public_is_neither_checked_nor_sent_to(
    runtime: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    async with service(b"220 relay.internal ESMTP ready\r\n") as relay:
        # stored before the policy, or while the installation allowed loopback
        config = {
            "from_address": FROM,
            "smtp_host": "127.0.0.1",
            "smtp_port": relay.port,
            "smtp_security": "none",
        }
        await add_account(runtime, world.tenant.id, kind="email", name="email", config=config)
        check = await client.post(
            f"/api/v1/tenants/{world.tenant.slug}/email/check", headers=world.auth("admin")
        )
        source_id = await inbound(client, world, "Where is my parcel?")
        queued = await client.post(
            summary_url(world, source_id), json={}, headers=world.auth("agent")
        )
        assert queued.status_code == 202, queued.text
        await runtime.worker.run_due()

    assert check.status_code == 200
    assert check.json()["ok"] is False
    assert check.json()["retry"] is False
    assert "127.0.0.1 is a loopback address" in check.json()["error"]
    message = await load_message(runtime, uuid.UUID(queued.json()["message_id"]))
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error is not None
    assert "127.0.0.1 is a loopback address" in message.delivery_error
    assert relay.connections == 0
