"""The SMTP adapter on its own: each kind of connection, and what each failure means."""

import uuid
from typing import Any

import pytest

from omniline.channels.base import AccountConfig, OutboundMessage, SendFailed
from omniline.channels.email.adapter import EmailChannel
from omniline.customers.service import IdentityClaim
from omniline.kit.egress import EgressPolicy
from tests.channels.email.smtp import PASSWORD, USER, Certificates, free_port, serving
from tests.support.dns import Dns

TENANT = uuid.uuid4()
# the test's servers listen on loopback, which an installation must allow explicitly
LOOPBACK = EgressPolicy.parse("loopback")


def account(port: int, security: str, **changes: Any) -> AccountConfig:
    config = {
        "from_address": "support@acme.test",
        "from_name": "Acme",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": security,
        "smtp_username": USER if security != "none" else "",
        **changes,
    }
    secret = PASSWORD if config["smtp_username"] else None
    return AccountConfig(TENANT, "email", "email", config, secret)


def outbound(*recipients: IdentityClaim) -> OutboundMessage:
    return OutboundMessage(
        tenant_id=TENANT,
        message_id=uuid.uuid4(),
        interaction_id=uuid.uuid4(),
        channel="email",
        recipients=list(recipients) or [IdentityClaim("email", "ada@example.com")],
        body="Hello",
        subject="Hi",
    )


async def test_tls_from_the_first_byte(certificates: Certificates) -> None:
    adapter = EmailChannel(LOOPBACK, tls_context=certificates.client_context())
    message = outbound(
        IdentityClaim("phone", "+447700900123"),
        IdentityClaim("email", "a@b.test"),
        IdentityClaim("email", "a@work.test"),
    )
    with serving(certificates, "tls") as server:
        result = await adapter.send(account(server.port, "tls"), message)

    [mail] = server.mailbox.received
    assert (mail.tls, mail.login, mail.rcpt_tos) == (True, USER, ["a@b.test"])
    assert result.external_id == f"<{message.message_id}@acme.test>"
    assert result.external_id == mail.message["Message-ID"]
    assert result.delivered is False  # handed over: sent, not known to be delivered


async def test_a_relay_without_encryption_or_login(certificates: Certificates) -> None:
    with serving(certificates, "none") as server:
        await EmailChannel(LOOPBACK).send(account(server.port, "none"), outbound())

    [mail] = server.mailbox.received
    assert (mail.tls, mail.login) == (False, None)


async def test_an_untrusted_certificate_is_not_tried_again(certificates: Certificates) -> None:
    with serving(certificates, "tls") as server, pytest.raises(SendFailed) as failed:
        await EmailChannel(LOOPBACK).send(account(server.port, "tls"), outbound())

    assert failed.value.retry is False
    assert "certificate" in str(failed.value).lower()
    assert server.mailbox.received == []


async def test_a_server_without_starttls_is_not_tried_again(certificates: Certificates) -> None:
    adapter = EmailChannel(LOOPBACK, tls_context=certificates.client_context())
    with serving(certificates, "none") as server, pytest.raises(SendFailed) as failed:
        await adapter.send(account(server.port, "starttls"), outbound())

    assert failed.value.retry is False
    assert "STARTTLS" in str(failed.value)


async def test_an_unreachable_server_is_tried_again() -> None:
    with pytest.raises(SendFailed) as failed:
        await EmailChannel(LOOPBACK).send(account(free_port(), "starttls"), outbound())

    assert failed.value.retry is True
    assert "cannot reach the SMTP server 127.0.0.1:" in str(failed.value)


async def test_nothing_to_send_to_and_broken_settings_are_not_tried_again() -> None:
    adapter = EmailChannel(LOOPBACK)
    with pytest.raises(SendFailed) as no_address:
        await adapter.send(account(25, "none"), outbound(IdentityClaim("phone", "+447700900123")))
    with pytest.raises(SendFailed) as broken:
        await adapter.send(account(25, "none", smtp_host="not a host"), outbound())

    assert no_address.value.retry is False
    assert "no e-mail address" in str(no_address.value)
    assert broken.value.retry is False
    assert "is not set up right" in str(broken.value)


async def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    certificates: Certificates,
) -> None:
    # "mail.acme.test" is known to no real resolver: the mail can only arrive if the adapter
    # connects to the address the policy resolved and checked, not to the name again
    dns = Dns({"mail.acme.test": ["127.0.0.1"]})
    adapter = EmailChannel(EgressPolicy.parse("loopback", resolver=dns))
    with serving(certificates, "none") as server:
        await adapter.send(account(server.port, "none", smtp_host="mail.acme.test"), outbound())

    assert len(server.mailbox.received) == 1
    assert dns.asked == ["mail.acme.test"]


async def test_a_name_that_resolves_to_a_refused_address_is_not_connected_to(
    certificates: Certificates,
) -> None:
    dns = Dns({"mail.acme.test": ["127.0.0.1"]})
    adapter = EmailChannel(EgressPolicy(resolver=dns))
    with serving(certificates, "none") as server, pytest.raises(SendFailed) as failed:
        await adapter.send(account(server.port, "none", smtp_host="mail.acme.test"), outbound())

    assert failed.value.retry is False
    assert "mail.acme.test resolves to a loopback address" in str(failed.value)
    assert "127.0.0.1" not in str(failed.value)
    assert server.mailbox.attempts == 0
