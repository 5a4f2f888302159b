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
        expected = hmac.new(account.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("x-fake-signature", "")):
            raise VerificationFailed("fake signature does not match")

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Read `{"id", "from", "text"}` documents, one or a list."""
        try:
            doc = json.loads(body)
            docs = doc if isinstance(doc, list) else [doc]
            return [
                InboundMessage(
                    channel=account.name,
                    external_id=str(d["id"]),
                    sender=[IdentityClaim("external", str(d["from"]))],
                    body=str(d.get("text", "")),
                    thread_ref=d.get("thread"),
                )
                for d in docs
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise ParseFailed(f"not a fake payload: {exc}") from exc

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """Record the message, or fail if told to."""
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(message)
        return SendResult(external_id=f"fake-{len(self.sent)}", delivered=True)
