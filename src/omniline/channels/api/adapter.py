"""The generic API channel adapter.

Inbound: `POST /api/v1/inbound` with a JSON body (see `InboundPayload`), authenticated by the
tenant's API token; or an account's webhook, `POST /api/v1/hooks/{tenant}/{account}`, signed
with the account's secret. Outbound: replies are POSTed as JSON to the account's `webhook_url`,
signed the same way; without a webhook URL they wait to be fetched through the API.

The signature, both ways (docs/adr/0009-egress-and-signed-hooks.md): `X-Omniline-Timestamp`
is the Unix time in whole seconds, `X-Omniline-Signature` is `sha256=` and the lower-case hex
HMAC-SHA256, keyed with the account's secret, of the timestamp, a ".", and the body's bytes.
Inbound, a timestamp more than five minutes from this server's clock is refused, so a request
seen once cannot be played again later; an account without a secret takes no webhooks.
Outbound, the webhook is reached through the egress policy (`kit/egress.py`) and failures are
told by kind and status code, never in the receiver's words.
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import ssl
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
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
    VerificationFailed,
)
from omniline.customers.service import IdentityClaim
from omniline.kit.boundary import INT64_MAX
from omniline.kit.clock import utcnow
from omniline.kit.egress import EgressPolicy, EgressRefused, HttpTarget, Unresolvable

CHANNEL_NAME = r"^[a-z0-9][a-z0-9_-]{0,31}$"
SIGNATURE_HEADER = "X-Omniline-Signature"
TIMESTAMP_HEADER = "X-Omniline-Timestamp"
# how far a signed request's timestamp may be from this server's clock, either way
REPLAY_WINDOW = timedelta(minutes=5)
TIMEOUT_SECONDS = 10.0
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1, max_length=32, examples=["email"])]
    value: Annotated[str, Field(min_length=1, max_length=320, examples=["ada@example.com"])]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=255)]
    # shown to agents as a link: only web addresses, never javascript: or data: ones
    url: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^(?i:https?)://\S+$")]
    content_type: Annotated[str, Field(max_length=200)] = "application/octet-stream"
    size: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None


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
    """The signature: `sha256=` and the hex HMAC-SHA256 of `timestamp.body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_signature(secret: str | None, headers: Mapping[str, str], body: bytes) -> None:
    """Raise VerificationFailed unless the (lower-cased) headers sign the body with the secret
    at a time within the replay window."""
    if not secret:
        raise VerificationFailed(
            "this account has no signing secret, so its webhook takes no messages: an "
            "administrator must give it one"
        )
    timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise VerificationFailed(f"{TIMESTAMP_HEADER} must be the Unix time in seconds")
    if abs(utcnow().timestamp() - int(timestamp)) > REPLAY_WINDOW.total_seconds():
        raise VerificationFailed(
            f"{TIMESTAMP_HEADER} is more than {REPLAY_WINDOW.seconds // 60} minutes away from "
            "this server's time: sign each request when it is sent"
        )
    expected = sign(secret, timestamp, body).encode()
    provided = headers.get(SIGNATURE_HEADER.lower(), "").encode("utf-8", "replace")
    if not hmac.compare_digest(expected, provided):
        raise VerificationFailed(
            f"{SIGNATURE_HEADER} is not sha256=<hex HMAC-SHA256 of timestamp.body> with the "
            "account's secret"
        )


class ApiChannel:
    kind = "api"
    capabilities = Capabilities(realtime=False, threads=True, attachments=True)

    def __init__(
        self, egress: EgressPolicy, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._egress = egress
        self._transport = transport

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """A webhook must be signed with the account's secret, recently (see the module)."""
        check_signature(account.secret, headers, body)

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
        timestamp = str(int(utcnow().timestamp()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        if account.secret:
            headers[SIGNATURE_HEADER] = sign(account.secret, timestamp, body)
        target = await self._target(str(url))
        where = _where(str(url))
        with _failures(where):
            async with httpx.AsyncClient(transport=self._transport, timeout=TIMEOUT_SECONDS) as c:
                response = await _post(c, target, body, headers)
        return _result(where, response)

    async def _target(self, url: str) -> HttpTarget:
        """The webhook pinned to the address the egress policy checked."""
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                return await self._egress.resolve_url(url)
        except EgressRefused as exc:
            raise SendFailed(f"the webhook is refused: {exc}", retry=False) from exc
        except (Unresolvable, TimeoutError) as exc:
            raise SendFailed(f"cannot reach the webhook {_where(url)}: {exc}") from exc


async def _post(
    client: httpx.AsyncClient, target: HttpTarget, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST to the first of the target's addresses that can be reached."""
    *others, last = target.urls
    for url in others:
        with contextlib.suppress(httpx.ConnectError):
            return await _post_to(client, url, target, body, headers)
    return await _post_to(client, last, target, body, headers)


async def _post_to(
    client: httpx.AsyncClient,
    url: httpx.URL,
    target: HttpTarget,
    body: bytes,
    headers: dict[str, str],
) -> httpx.Response:
    return await client.post(
        url, content=body, headers={**headers, **target.headers}, extensions=target.extensions
    )


def _where(url: str) -> str:
    """The webhook's scheme, host and port: its path and query may hold a secret."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "(an invalid URL)"
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


@contextlib.contextmanager
def _failures(where: str) -> Iterator[None]:
    """Turn what can go wrong reaching the webhook into SendFailed, by kind."""
    try:
        yield
    except httpx.HTTPError as exc:
        raise _failure(where, exc) from exc


def _failure(where: str, exc: httpx.HTTPError) -> SendFailed:
    if isinstance(exc, httpx.TimeoutException):
        return SendFailed(f"webhook {where} did not answer in time")
    if _tls_failure(exc):
        return SendFailed(f"TLS with webhook {where} failed", retry=False)
    if isinstance(exc, httpx.ConnectError):
        return SendFailed(f"cannot reach the webhook {where}")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return SendFailed(f"webhook URL {where} is not usable", retry=False)
    return SendFailed(f"webhook {where} did not answer as an HTTP server does")


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _result(where: str, response: httpx.Response) -> SendResult:
    """2xx is delivered; 5xx, 408 and 429 may pass on a later try; anything else will not."""
    status = response.status_code
    if 200 <= status < 300:
        external_id = response.headers.get("X-Message-Id")
        return SendResult(external_id=external_id[:300] if external_id else None, delivered=True)
    if status >= 500 or status in (408, 429):
        raise SendFailed(f"webhook {where} answered {status}")
    if 300 <= status < 400:
        raise SendFailed(
            f"webhook {where} answered a redirect ({status}); set the final URL", retry=False
        )
    raise SendFailed(f"webhook {where} refused the message: {status}", retry=False)


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
