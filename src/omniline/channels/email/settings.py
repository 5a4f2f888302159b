"""A tenant's outbound e-mail account: a channel account of kind "email" named "email".

The settings live in the account's `config`; the SMTP password is its `secret`, which the API
takes but never shows.
"""

import asyncio
import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omniline.channels.email import repository
from omniline.journal.work import Work
from omniline.kit.egress import EgressPolicy, EgressRefused, Unresolvable
from omniline.kit.errors import Conflict, InvalidInput
from omniline.kit.ids import new_id
from omniline.models import ChannelAccount, Tenant

CHANNEL = "email"
KIND = "email"

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# how long saving waits for DNS before leaving the check to the connection
RESOLVE_SECONDS = 5.0


class Security(StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (usually port 587)
    TLS = "tls"  # TLS from the first byte (usually port 465)
    NONE = "none"  # no encryption: only for a relay on the same machine or network


DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}


def check_address(value: str) -> str:
    """A plain e-mail address (no display name), lower-cased domain, or a ValueError."""
    value = value.strip()
    if not _ADDRESS.match(value) or len(value) > 254:
        raise ValueError(f"'{value}' is not an e-mail address such as support@example.com")
    local, _, domain = value.partition("@")
    return f"{local}@{domain.lower()}"


def check_host(value: str) -> str:
    """A host name or IP address, without scheme or port."""
    value = value.strip().lower()
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        pass
    if not _HOSTNAME.match(value):
        raise ValueError(
            f"'{value}' is not a host name such as smtp.example.com (no scheme, no port)"
        )
    return value


def _single_line(value: str, what: str) -> str:
    if any(c in value for c in "\r\n\t\x00"):
        raise ValueError(f"the {what} must be one line")
    return value.strip()


class EmailConfig(BaseModel):
    """What an administrator sets for outbound e-mail (the password apart)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    from_address: Annotated[
        str, Field(max_length=254, examples=["support@example.com"], description="the sender")
    ]
    from_name: Annotated[
        str, Field(max_length=100, examples=["Example Support"], description="the sender's name")
    ] = ""
    smtp_host: Annotated[str, Field(max_length=253, examples=["smtp.example.com"])]
    smtp_port: Annotated[
        int | None,
        Field(ge=1, le=65535, description="587 for starttls, 465 for tls, 25 for none if unset"),
    ] = None
    smtp_security: Security = Security.STARTTLS
    smtp_username: Annotated[str, Field(max_length=254)] = ""

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str) -> str:
        return check_address(value)

    @field_validator("from_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _single_line(value, "sender's name")

    @field_validator("smtp_host")
    @classmethod
    def _host(cls, value: str) -> str:
        return check_host(value)

    @field_validator("smtp_username")
    @classmethod
    def _username(cls, value: str) -> str:
        return _single_line(value, "user name")

    @model_validator(mode="after")
    def _port(self) -> "EmailConfig":
        if self.smtp_port is None:
            self.smtp_port = DEFAULT_PORTS[self.smtp_security]
        return self

    @property
    def port(self) -> int:
        """The port, its default filled in."""
        return self.smtp_port or DEFAULT_PORTS[self.smtp_security]


class EmailAccount(EmailConfig):
    """The stored account as the adapter and the API read it."""

    model_config = ConfigDict(extra="ignore")

    password: str | None = None


def read_config(config: dict[str, Any], secret: str | None) -> EmailAccount:
    """An account's settings from its stored config and secret."""
    return EmailAccount.model_validate({**config, "password": secret or None})


async def get_account(work: Work, tenant: Tenant) -> tuple[ChannelAccount, EmailAccount] | None:
    """The tenant's outbound e-mail account, if one is set up."""
    row = await repository.get_account(work.session, tenant.id, CHANNEL)
    if row is None or row.kind != KIND:
        return None
    return row, read_config(dict(row.config), row.secret)


async def get_sending_account_or_raise(work: Work, tenant: Tenant) -> EmailAccount:
    """The account e-mail goes out through, or a 409 saying who can set it up."""
    found = await get_account(work, tenant)
    if found is None:
        raise Conflict(
            "outbound e-mail is not set up for this tenant: an administrator must configure "
            f"it first (PUT /api/v1/tenants/{tenant.slug}/email)"
        )
    row, account = found
    if not row.enabled:
        raise Conflict(
            "outbound e-mail is switched off for this tenant: an administrator can switch it "
            f"on (PUT /api/v1/tenants/{tenant.slug}/email with enabled true)"
        )
    return account


async def save_account(
    work: Work, tenant: Tenant, config: EmailConfig, password: str | None, egress: EgressPolicy
) -> tuple[ChannelAccount, EmailAccount]:
    """Create or change the account; `password` None keeps the current one, "" removes it.
    A server the egress policy refuses is refused here already (422)."""
    row = await repository.get_account(work.session, tenant.id, CHANNEL)
    if row is None:
        row = ChannelAccount(id=new_id(), tenant_id=tenant.id, kind=KIND, name=CHANNEL)
        work.session.add(row)
    elif row.kind != KIND:
        raise Conflict(f"the channel account '{CHANNEL}' is of kind '{row.kind}': rename it first")
    secret = row.secret if password is None else (password or None)
    _check_login(config, secret)
    await check_destination(config, egress)
    row.config = config.model_dump(mode="json")
    row.secret = secret
    row.enabled = config.enabled
    changes = {**config.model_dump(mode="json"), "password_changed": password is not None}
    work.audit(tenant.id, "email.configured", "channel_account", row.id, changes)
    return row, read_config(row.config, row.secret)


async def remove_account(work: Work, tenant: Tenant) -> None:
    """Forget the account (messages already queued then fail: there is nothing to send with)."""
    found = await get_account(work, tenant)
    if found is None:
        return
    row, _ = found
    await work.session.delete(row)
    work.audit(tenant.id, "email.removed", "channel_account", row.id, {})


async def check_destination(config: EmailConfig, egress: EgressPolicy) -> None:
    """Refuse a server the installation will not connect to (a 422 that says why); a name
    that does not resolve yet is left to the connection, which checks again."""
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            await egress.resolve(config.smtp_host, config.port)
    except EgressRefused as exc:
        raise InvalidInput(f"smtp_host: {exc}") from exc
    except (Unresolvable, TimeoutError):
        return


def _check_login(config: EmailConfig, secret: str | None) -> None:
    """A login needs both halves; a password must not travel unencrypted, except to a relay
    on this machine."""
    if config.smtp_username and not secret:
        raise InvalidInput(f"give the password of the SMTP user '{config.smtp_username}'")
    if secret and not config.smtp_username:
        raise InvalidInput("give the SMTP user name (smtp_username) the password belongs to")
    if config.smtp_security is not Security.NONE or config.smtp_host in _LOCAL_HOSTS:
        return
    if secret:
        raise InvalidInput(
            "a user name and password would travel unencrypted: use smtp_security 'starttls' "
            "or 'tls', or a relay without login"
        )
