"""The installation's audit key: where it comes from (never the database).

1. OMNILINE_AUDIT_KEY, when set: independent of every other secret, so rotating the session
   secret does not orphan the log;
2. else derived from OMNILINE_SECRET_KEY (a production installation must set that anyway);
3. else (dev mode with the built-in secret, whose value is public) a random key generated once
   in the data folder, `audit.key`.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from omniline.config import DEFAULT_SECRET, Settings
from omniline.journal.hashing import AuditKey

KEY_FILE = "audit.key"


def load_audit_key(settings: Settings) -> AuditKey:
    """The key that signs this installation's audit entries and checkpoints."""
    if settings.audit_key:
        return AuditKey(settings.audit_key.encode())
    if settings.secret_key != DEFAULT_SECRET:
        # a key of its own, so that no audit signature is also a valid session signature
        derived = hmac.new(settings.secret_key.encode(), b"omniline audit chain", hashlib.sha256)
        return AuditKey(derived.digest())
    return AuditKey(_key_file(settings.data_dir / KEY_FILE))


def _key_file(path: Path) -> bytes:
    """Read the data folder's key, creating it (readable by its owner only) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(32).encode())
    try:
        os.link(draft, path)  # atomic: of processes starting together, one key wins
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_bytes().strip()
