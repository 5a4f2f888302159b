"""The audit log's hash chain: each entry's hash covers its content and the previous hash."""

import hashlib
import json
from datetime import datetime
from typing import Any


def entry_hash(
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
    """Hash one audit entry canonically (sorted keys, compact JSON, UTC microseconds)."""
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
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()
