"""The fake twin of a real channel, in the manner of httpx's MockTransport."""

import hashlib
import hmac
import json
from collections.abc import Mapping

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


class FakeChannel:
    kind = "fake"
    capabilities = Capabilities(realtime=True, threads=True, attachments=False, typing=True)

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.fail_next: list[SendFailed] = []

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """Check `X-Fake-Signature`: hex HMAC-SHA256 of the body with the account secret."""
        if not account.secret:
            return
        expected = hmac.new(account.secret.encode(), body, hashlib.sha256).hexdigest().encode()
        provided = headers.get("x-fake-signature", "").encode("utf-8", "replace")
        if not hmac.compare_digest(expected, provided):
            raise VerificationFailed("fake signature does not match")

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Read `{"id", "from", "text"}` documents, one or a list."""
        try:
            doc = json.loads(body)
            docs = doc if isinstance(doc, list) else [doc]
            return [_message(account, d) for d in docs]
        except (ValueError, KeyError, TypeError) as exc:
            raise ParseFailed(f"not a fake payload: {exc}") from exc

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """Record the message, or fail if told to."""
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(message)
        return SendResult(external_id=f"fake-{len(self.sent)}", delivered=True)


def _message(account: AccountConfig, doc: object) -> InboundMessage:
    if not isinstance(doc, dict):
        raise TypeError("each document must be an object with 'id' and 'from'")
    external_id, sender = str(doc["id"]), str(doc["from"])
    if not 0 < len(external_id) <= 300 or not 0 < len(sender) <= 300:
        raise ValueError("'id' and 'from' must have 1 to 300 characters")
    thread = doc.get("thread")
    return InboundMessage(
        channel=account.name,
        external_id=external_id,
        sender=[IdentityClaim("external", sender)],
        body=str(doc.get("text", "")),
        thread_ref=str(thread)[:300] if thread is not None else None,
    )
