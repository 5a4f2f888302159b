"""The ChannelAdapter protocol and the channel-neutral message types it speaks."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from omniline.customers.service import IdentityClaim


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can carry, so that the desktop and routing can adapt."""

    realtime: bool = False
    threads: bool = True
    attachments: bool = True
    typing: bool = False
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """A channel account as an adapter needs it: its settings and its secret."""

    tenant_id: uuid.UUID
    name: str
    kind: str
    config: Mapping[str, Any] = field(default_factory=dict)
    secret: str | None = None


@dataclass(slots=True)
class InboundMessage:
    """One message a customer sent, as a channel reports it."""

    channel: str
    external_id: str
    sender: list[IdentityClaim]
    sender_name: str = ""
    body: str = ""
    content_type: str = "text/plain"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ref: str | None = None
    subject: str = ""
    reason_code: str | None = None
    sent_at: datetime | None = None
    # the person of the tenant who wrote it down for the customer (a branch visit, a letter);
    # None when the customer wrote it themselves
    registered_by: uuid.UUID | None = None


@dataclass(slots=True)
class OutboundMessage:
    """One message to send to a customer."""

    tenant_id: uuid.UUID
    message_id: uuid.UUID
    interaction_id: uuid.UUID
    channel: str
    recipients: list[IdentityClaim]
    body: str
    content_type: str = "text/plain"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ref: str | None = None
    subject: str = ""
    # the id the message carries at the provider when it is chosen before sending (e-mail:
    # its Message-ID), so that a second try sends the same message
    external_id: str | None = None
    # the provider's ids of earlier messages of the thread, oldest first (e-mail: References;
    # the last one is In-Reply-To)
    references: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider answered: its id for the message, and whether it is delivered."""

    external_id: str | None = None
    delivered: bool = False


class VerificationFailed(Exception):
    """A webhook's signature or credentials do not check out."""


class ParseFailed(Exception):
    """A payload is not one the channel understands; it is stored, not dropped."""


class SendFailed(Exception):
    """Sending failed; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class ChannelAdapter(Protocol):
    """Verify, parse inbound, send outbound, tell capabilities."""

    kind: str
    capabilities: Capabilities

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """Raise VerificationFailed unless the request really comes from the provider."""

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Turn a provider payload into inbound messages; raise ParseFailed if it cannot."""

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """Send one message; raise SendFailed when it did not go out."""
