"""The web chat adapter.

Nothing is sent anywhere: the visitor's socket streams the conversation from the event log,
so a reply is delivered once it is stored. Inbound messages come through the chat API
(`omniline.channels.webchat.endpoints`), never through a generic webhook.
"""

from collections.abc import Mapping

from omniline.channels.base import (
    AccountConfig,
    Capabilities,
    InboundMessage,
    OutboundMessage,
    ParseFailed,
    SendResult,
    VerificationFailed,
)
from omniline.channels.webchat.schemas import MESSAGE_LIMIT


class WebchatChannel:
    kind = "webchat"
    capabilities = Capabilities(
        realtime=True, threads=True, attachments=True, typing=True, max_length=MESSAGE_LIMIT
    )

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """Refuse webhooks: visitors write through the chat API with their conversation token."""
        raise VerificationFailed("web chat messages come through /api/v1/chat/, not webhooks")

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Never reached (verify refuses); kept for the protocol."""
        raise ParseFailed("web chat messages come through /api/v1/chat/")

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """Delivered: the visitor's socket carries the stored reply."""
        return SendResult(external_id=f"webchat:{message.message_id}", delivered=True)
