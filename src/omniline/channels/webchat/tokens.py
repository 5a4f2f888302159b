"""The tokens of the web chat: the visitor's conversation token, and a site's identity token.

Conversation token: signed with the installation's secret, salted with the tenant, naming the
interaction, its customer and whether the visitor's identity was verified. The widget keeps
it in the host site's localStorage, so a reload or another page of the site resumes the chat.

Identity token: a site that knows its user signs who they are with the tenant's identity
secret and passes it to the widget (`data-identity`). The token is
`<payload>.<signature>`: payload is base64url (no padding) of a JSON object with `exp` (Unix
seconds, required) and any of `email`, `phone`, `account` (the site's customer number) and
`name`; signature is the hex HMAC-SHA256 of the payload text with the secret. Only a token
that checks out decides which customer the chat lands on; anything else is a claim.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from omniline.customers.service import Assurance, IdentityClaim
from omniline.models import Tenant

CONVERSATION_DAYS = 7
IDENTITY_KINDS = ("email", "phone", "account")
MAX_IDENTITY_TOKEN = 4096


@dataclass(frozen=True, slots=True)
class Conversation:
    """What a conversation token names."""

    interaction_id: uuid.UUID
    customer_id: uuid.UUID
    verified: bool


class ConversationSigner:
    """Makes and reads conversation tokens of one installation."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    @property
    def secret(self) -> str:
        """The installation's secret (other signed tokens a chat may carry use it too)."""
        return self._secret

    def _serializer(self, tenant: Tenant) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"omniline.webchat.{tenant.id}")

    def token(self, tenant: Tenant, conversation: Conversation) -> str:
        """A token for the visitor's browser."""
        data = [
            str(conversation.interaction_id),
            str(conversation.customer_id),
            int(conversation.verified),
        ]
        return self._serializer(tenant).dumps(data)

    def read(self, tenant: Tenant, token: str) -> Conversation | None:
        """The conversation a token names, if it is this tenant's, genuine and not too old."""
        try:
            data = self._serializer(tenant).loads(token, max_age=CONVERSATION_DAYS * 86400)
            return Conversation(uuid.UUID(data[0]), uuid.UUID(data[1]), bool(data[2]))
        except (BadSignature, SignatureExpired, ValueError, TypeError, IndexError, KeyError):
            return None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a site says its visitor is, checked against the tenant's identity secret."""

    claims: list[IdentityClaim] = field(default_factory=list)
    name: str = ""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_identity(secret: str, claims: dict[str, Any], *, ttl_seconds: int = 3600) -> str:
    """An identity token, as a site's server makes one (here for tests and the demo)."""
    payload = _b64(json.dumps({**claims, "exp": int(time.time()) + ttl_seconds}).encode())
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def verify_identity(secret: str | None, token: str) -> Identity | None:
    """The identity a token proves; None when it is not signed with the secret or expired."""
    if not secret or not token or len(token) > MAX_IDENTITY_TOKEN:
        return None
    payload, _, signature = token.strip().partition(".")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    doc = _payload(payload)
    if doc is None or not isinstance(doc.get("exp"), int) or doc["exp"] < time.time():
        return None
    claims = [
        IdentityClaim(kind, str(doc[kind]).strip(), Assurance.VERIFIED)
        for kind in IDENTITY_KINDS
        if isinstance(doc.get(kind), str | int) and str(doc[kind]).strip()
    ]
    if not claims:
        return None
    return Identity(claims, str(doc.get("name") or "")[:200])


def _payload(text: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        return None
    return doc if isinstance(doc, dict) else None
