"""A short-lived, per-process cache of API-token access, for the hot path of machine calls.

Integrations post contacts at high rates with the same token; looking the token and its
tenant up on every call costs more than storing the message. An entry lives a few seconds:
a revoked token stops working at once in the process that revoked it and within the TTL in
the others. Entries hold read-only snapshots; nobody may attach them to a session.
"""

import time
import uuid
from collections import OrderedDict

from omniline.auth.secrets import token_digest
from omniline.auth.service import TenantAccess

DEFAULT_TTL = 5.0
MAX_ENTRIES = 10_000


class TokenAccessCache:
    def __init__(self, ttl: float = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._entries: OrderedDict[str, tuple[float, TenantAccess]] = OrderedDict()

    def get(self, token: str) -> TenantAccess | None:
        """The cached access of a token, if fresh."""
        key = token_digest(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, token: str, access: TenantAccess) -> None:
        """Remember a token's access for the TTL."""
        if self.ttl <= 0:
            return
        self._entries[token_digest(token)] = (time.monotonic() + self.ttl, access)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def forget(self, token_id: uuid.UUID) -> None:
        """Drop a token (revoked) at once."""
        for key, (_, access) in list(self._entries.items()):
            token = access.principal.token
            if token is not None and token.id == token_id:
                del self._entries[key]
