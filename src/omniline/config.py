"""One Settings class; every value can be set by an OMNILINE_* environment variable."""

import ipaddress
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omniline.kit.clock import start_clock_at
from omniline.kit.egress import EgressPolicy

DEFAULT_SECRET = "dev-only-secret-change-me"


class InsecureSettings(RuntimeError):
    """Raised when a non-dev installation would run with default secrets."""


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks ("10.0.0.5, 10.1.0.0/16")."""
    networks = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise InsecureSettings(
                f"OMNILINE_TRUSTED_PROXIES: '{entry}' is not an address or network "
                "(write them comma-separated, like '10.0.0.5, 10.1.0.0/16')"
            ) from exc
    return tuple(networks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNILINE_", extra="ignore")

    dev: bool = False
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET
    # signs the audit log; unset: derived from secret_key (docs/adr/0011-keyed-audit-chain.md)
    audit_key: str | None = None
    # NORMAL survives a process crash (SIGKILL); FULL also survives power loss, slower
    sqlite_synchronous: str = "NORMAL"
    worker_in_process: bool = True
    worker_poll_seconds: float = 1.0
    session_ttl_hours: int = 12
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 25_000_000  # file uploads (article import: zips up to 20 MB)
    # the address customers reach this installation at (links sent to them); else the request's
    public_url: str | None = None
    # dev mode only: the product's clock starts here and runs on (tests of hours and weekdays)
    clock_start: datetime | None = None
    # where connections a tenant configures (SMTP servers, webhooks...) may go besides public
    # addresses: range names (loopback, private, link-local, shared) and networks, e.g.
    # "loopback" or "10.20.0.0/16, 192.168.5.7"; empty: public addresses only
    egress_allow: str = ""

    @field_validator("egress_allow")
    @classmethod
    def _egress(cls, value: str) -> str:
        EgressPolicy.parse(value)  # refuse a mistyped setting at start, not at the first send
        return value

    @cached_property
    def egress(self) -> EgressPolicy:
        """The egress policy the settings describe."""
        return EgressPolicy.parse(self.egress_allow)

    # reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses or
    # networks, comma-separated ("10.0.0.5, 10.1.0.0/16"); none by default, so that nobody
    # can claim another client address (rate limits count addresses)
    trusted_proxies: str = ""

    @property
    def proxy_networks(self) -> tuple[IPNetwork, ...]:
        """The trusted proxies as networks; a clear error names a bad entry."""
        return parse_networks(self.trusted_proxies)

    @cached_property
    def db_url(self) -> str:
        """The database URL: the given one, or SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'omniline.db'}"

    def check_secure(self) -> None:
        """Refuse default secrets outside dev mode, an audit key too short to be secret, and
        proxies that are not addresses."""
        _ = self.proxy_networks
        if self.audit_key is not None and len(self.audit_key) < 32:
            raise InsecureSettings(
                "OMNILINE_AUDIT_KEY is too short: use at least 32 random characters "
                "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if not self.dev and self.secret_key == DEFAULT_SECRET:
            raise InsecureSettings(
                "OMNILINE_SECRET_KEY is the built-in default. Set it to a long random value "
                "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or run in dev mode with OMNILINE_DEV=1 / `omniline serve --demo`."
            )
        if not self.dev and self.clock_start is not None:
            raise InsecureSettings("OMNILINE_CLOCK_START moves the clock: it is for dev mode only")

    def apply_clock(self) -> None:
        """Start the product's clock at OMNILINE_CLOCK_START when it is set (dev mode)."""
        if self.clock_start is not None:
            if self.clock_start.tzinfo is None:
                raise InsecureSettings("OMNILINE_CLOCK_START needs a time zone, e.g. ...Z")
            start_clock_at(self.clock_start)
