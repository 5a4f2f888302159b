"""A tenant's web chat settings, kept in `tenant.settings["webchat"]`.

The identity secret signs the identity tokens a site passes for visitors it knows; it is
shown once, when it is made, and never again.
"""

import secrets
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput
from omniline.kit.ids import new_id
from omniline.models import ChannelAccount, Tenant
from omniline.reasons import service as reasons

KEY = "webchat"
CHANNEL = "webchat"
FieldRule = Literal["required", "optional", "hidden"]


class PrechatFields(BaseModel):
    """What the form before a chat asks for, and what it insists on."""

    model_config = ConfigDict(extra="forbid")

    name: FieldRule = "required"
    email: FieldRule = "optional"
    phone: FieldRule = "hidden"
    topic: FieldRule = "optional"


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` as browsers send it in the Origin header (a 422 otherwise)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an origin such as https://www.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"'{value}': an origin has no path, query or user, only scheme://host")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


class WebchatConfig(BaseModel):
    """What an administrator sets."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    allowed_origins: Annotated[list[str], Field(max_length=50)] = []
    prechat: PrechatFields = PrechatFields()
    topics: Annotated[list[str], Field(max_length=50, description="reason codes")] = []
    max_wait_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=86_400,
            description="a longer expected wait offers a message or a call back first",
        ),
    ] = 600

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return sorted({normalize_origin(v) for v in values})


class WebchatSettings(WebchatConfig):
    """What is stored: the configuration and the identity secret."""

    model_config = ConfigDict(extra="ignore")

    identity_secret: str | None = None


def read_settings(tenant: Tenant) -> WebchatSettings:
    """The tenant's web chat settings (switched off when never set)."""
    stored = (tenant.settings or {}).get(KEY)
    if not isinstance(stored, dict):
        return WebchatSettings()
    return WebchatSettings.model_validate(stored)


async def save_settings(
    work: Work, tenant: Tenant, config: WebchatConfig, *, rotate_secret: bool = False
) -> tuple[WebchatSettings, str | None]:
    """Store new settings; returns them and the identity secret if one was made now."""
    await _check_topics(work, tenant, config.topics)
    current = read_settings(tenant)
    secret = secrets.token_urlsafe(32) if rotate_secret else None
    made = WebchatSettings(**config.model_dump(), identity_secret=secret or current.identity_secret)
    tenant.settings = {**(tenant.settings or {}), KEY: made.model_dump(mode="json")}
    await _ensure_account(work, tenant, made.enabled)
    changes: dict[str, Any] = config.model_dump(mode="json")
    changes["identity_secret_rotated"] = rotate_secret
    work.emit(tenant.id, "webchat.configured", changes)
    work.audit(tenant.id, "webchat.configured", "tenant", tenant.id, changes)
    return made, secret


async def _check_topics(work: Work, tenant: Tenant, codes: list[str]) -> None:
    for code in codes:
        await reasons.reason_id_for_code(work, tenant, code)


async def _ensure_account(work: Work, tenant: Tenant, enabled: bool) -> None:
    """The channel account that sends replies through the web chat adapter."""
    row = await work.session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == tenant.id, ChannelAccount.name == CHANNEL
        )
    )
    if row is None:
        row = ChannelAccount(id=new_id(), tenant_id=tenant.id, kind=CHANNEL, name=CHANNEL)
        work.session.add(row)
    elif row.kind != CHANNEL:
        raise InvalidInput(
            f"the channel account '{CHANNEL}' is of kind '{row.kind}': rename it first"
        )
    row.enabled = enabled
