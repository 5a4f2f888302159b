"""Checkpoints: every chain's head, signed, kept outside the database.

A chain signed with a key proves its entries were not rewritten by someone without the key,
but not that its tail was not cut (with the head row moved back) or that the whole chain was
not deleted. A checkpoint taken now and kept elsewhere catches both later: `omniline audit
verify --checkpoint FILE` requires every chain it names to still hold its entries up to the
checkpointed one, unchanged.
"""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from omniline.journal.hashing import AuditKey
from omniline.kit.errors import InvalidInput

FORMAT = "omniline-audit-checkpoint/1"


@dataclass(frozen=True, slots=True)
class ChainHead:
    """One chain's last entry when the checkpoint was taken."""

    stream: str
    tenant: str | None  # the tenant's slug, for people reading the file; None for "system"
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    taken_at: datetime
    key_id: str
    chains: tuple[ChainHead, ...]

    def label(self) -> str:
        """How reports name this checkpoint."""
        return f"the checkpoint of {self.taken_at:%Y-%m-%d %H:%M:%S} UTC"


def dumps(checkpoint: Checkpoint, key: AuditKey) -> str:
    """The checkpoint as a signed JSON document."""
    doc = _document(checkpoint)
    return json.dumps({**doc, "signature": key.sign(_canonical(doc))}, indent=2) + "\n"


def loads(text: str, key: AuditKey) -> Checkpoint:
    """Read a checkpoint back, refusing one that was changed or signed with another key."""
    try:
        doc = json.loads(text)
        signature = doc.pop("signature")
        checkpoint = Checkpoint(
            datetime.fromisoformat(doc["taken_at"]),
            str(doc["key_id"]),
            tuple(ChainHead(**c) for c in doc["chains"]),
        )
        if doc.get("format") != FORMAT:
            raise ValueError(doc.get("format"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"not an audit checkpoint ({FORMAT}): {exc}") from exc
    if checkpoint.key_id != key.id:
        raise InvalidInput(
            f"the checkpoint was signed with audit key {checkpoint.key_id}, this installation's"
            f" is {key.id}: run with the OMNILINE_AUDIT_KEY the checkpoint was taken with"
        )
    if signature != key.sign(_canonical(doc)):
        raise InvalidInput("the checkpoint was changed after it was taken (its signature fails)")
    return checkpoint


def _document(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "taken_at": checkpoint.taken_at.isoformat(),
        "key_id": checkpoint.key_id,
        "chains": [asdict(c) for c in checkpoint.chains],
    }


def _canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
