"""The generic API channel adapter.

Inbound: `POST /api/v1/inbound` with a JSON body (see `InboundPayload`), authenticated by the
tenant's API token. Outbound: replies are POSTed as JSON to the account's `webhook_url`, signed
with HMAC-SHA256 of `timestamp.body` in `X-Omniline-Signature`; without a webhook URL they wait
to be fetched through the API.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from omniline.channels.base import (
    AccountConfig,
    Capabilities,
    InboundMessage,
    OutboundMessage,
    ParseFailed,
    SendFailed,
    SendResult,
)
from omniline.customers.service import IdentityClaim

CHANNEL_NAME = r"^[a-z0-9][a-z0-9_-]{0,31}$"
SIGNATURE_HEADER = "X-Omniline-Signature"
TIMESTAMP_HEADER = "X-Omniline-Timestamp"


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1, max_length=32, examples=["email"])]
    value: Annotated[str, Field(min_length=1, max_length=320, examples=["ada@example.com"])]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=255)]
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    content_type: Annotated[str, Field(max_length=200)] = "application/octet-stream"
    size: Annotated[int, Field(ge=0)] | None = None


class SenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=200)] = ""
    identities: Annotated[list[IdentityIn], Field(min_length=1, max_length=20)]


class InboundPayload(BaseModel):
    """One inbound contact message from a form, an app, a branch office or any system."""

    # a misspelt field would otherwise be dropped without a word
    model_config = ConfigDict(extra="forbid")

    channel: Annotated[str, Field(pattern=CHANNEL_NAME, examples=["webform"])]
    external_id: Annotated[str, Field(min_length=1, max_length=300)]
    sender: SenderIn
    body: Annotated[str, Field(max_length=100_000)] = ""
    content_type: Annotated[str, Field(pattern=r"^text/(plain|html)$")] = "text/plain"
    subject: Annotated[str, Field(max_length=300)] = ""
    thread: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=50)] = []
    sent_at: datetime | None = None

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("sent_at needs a time zone, e.g. 2026-11-25T10:00:00Z")
        return value

    def to_inbound(self) -> InboundMessage:
        """The channel-neutral message."""
        return InboundMessage(
            channel=self.channel,
            external_id=self.external_id,
            sender=[IdentityClaim(i.kind, i.value) for i in self.sender.identities],
            sender_name=self.sender.name,
            body=self.body,
            content_type=self.content_type,
            attachments=[a.model_dump(exclude_none=True) for a in self.attachments],
            thread_ref=self.thread,
            subject=self.subject,
            reason_code=self.reason,
            sent_at=self.sent_at,
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a receiver checks: hex HMAC-SHA256 of `timestamp.body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class ApiChannel:
    kind = "api"
    capabilities = Capabilities(realtime=False, threads=True, attachments=True)

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """Callers are authenticated by their API token before the adapter is reached."""

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Read one JSON payload."""
        try:
            return [InboundPayload.model_validate_json(body).to_inbound()]
        except ValidationError as exc:
            raise ParseFailed(_explain(exc)) from exc

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """POST the reply to the account's webhook, or leave it to be fetched."""
        url = account.config.get("webhook_url")
        if not url:
            return SendResult(external_id=None, delivered=False)
        body = json.dumps(_outbound_doc(message), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        if account.secret:
            headers[SIGNATURE_HEADER] = sign(account.secret, timestamp, body)
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=10) as client:
                response = await client.post(str(url), content=body, headers=headers)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise SendFailed(f"webhook URL {url!r} is not usable: {exc}", retry=False) from exc
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook {url} unreachable: {exc}") from exc
        return _result(str(url), response)


def _result(url: str, response: httpx.Response) -> SendResult:
    """2xx is delivered; 5xx, 408 and 429 may pass on a later try; anything else will not."""
    status = response.status_code
    if 200 <= status < 300:
        return SendResult(external_id=response.headers.get("X-Message-Id"), delivered=True)
    if status >= 500 or status in (408, 429):
        raise SendFailed(f"webhook {url} answered {status}")
    if 300 <= status < 400:
        raise SendFailed(
            f"webhook {url} answered a redirect ({status}); set the final URL", retry=False
        )
    detail = response.text[:300].strip()
    raise SendFailed(
        f"webhook {url} refused the message: {status}" + (f" {detail}" if detail else ""),
        retry=False,
    )


def _outbound_doc(message: OutboundMessage) -> dict[str, Any]:
    return {
        "message_id": str(message.message_id),
        "interaction_id": str(message.interaction_id),
        "channel": message.channel,
        "thread": message.thread_ref,
        "recipients": [{"kind": r.kind, "value": r.value} for r in message.recipients],
        "body": message.body,
        "content_type": message.content_type,
        "attachments": message.attachments,
    }


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
