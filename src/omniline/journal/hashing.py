"""The audit log's hash chain: each entry's hash covers its content and the previous hash.

Entries are signed with HMAC-SHA256 under the installation's audit key, which is kept out
of the database: whoever can write the database but not read the key cannot recompute a
chain after changing it (docs/adr/0011-keyed-audit-chain.md). Entries written before the
key existed carry a plain SHA-256 (`key=None`); a keyed seal entry vouches for them.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# the action of the keyed entry that ends a chain's unkeyed beginning
SEAL_ACTION = "audit.chain_keyed"


@dataclass(frozen=True, slots=True)
class AuditKey:
    """The secret that signs audit entries and checkpoints; `id` names it without revealing it."""

    secret: bytes

    def __repr__(self) -> str:
        return f"AuditKey(id={self.id})"

    @property
    def id(self) -> str:
        """A short fingerprint to tell keys apart in reports and checkpoints."""
        return self.sign(b"omniline audit key id")[:16]

    def sign(self, data: bytes) -> str:
        """HMAC-SHA256 of `data`, hex."""
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()


def entry_hash(
    key: AuditKey | None,
    *,
    stream: str,
    seq: int,
    at: datetime,
    actor_type: str,
    actor_id: str | None,
    ip: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    """Sign one audit entry canonically (sorted keys, compact JSON, UTC microseconds);
    without a key, the plain SHA-256 that entries carried before the chain was keyed."""
    doc = {
        "stream": stream,
        "seq": seq,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_type": actor_type,
        "actor_id": actor_id,
        "ip": ip,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
        "prev": prev_hash,
    }
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return key.sign(raw) if key is not None else hashlib.sha256(raw).hexdigest()
