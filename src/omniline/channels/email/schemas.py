"""What the e-mail endpoints read and answer."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from omniline.channels.email.settings import EmailConfig
from omniline.models import DeliveryStatus

BODY_LIMIT = 100_000


def _one_line(value: str | None) -> str | None:
    if value is not None and any(c in value for c in "\r\n\x00"):
        raise ValueError("must be one line")
    return value


class EmailAccountIn(EmailConfig):
    """The tenant's outbound e-mail; leave `smtp_password` out to keep the current one."""

    smtp_password: Annotated[
        str | None,
        Field(max_length=200, description='write-only; "" removes it, null keeps it'),
    ] = None

    _password = field_validator("smtp_password")(_one_line)


class EmailAccountOut(EmailConfig):
    """The settings, never the password."""

    smtp_port: int
    smtp_password_set: bool


class SummaryIn(BaseModel):
    """An e-mail summary of the conversation; anything left out takes the draft's value."""

    model_config = ConfigDict(extra="forbid")

    to: Annotated[
        str | None,
        Field(max_length=320, description="one of the customer's e-mail addresses"),
    ] = None
    subject: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    body: Annotated[str | None, Field(min_length=1, max_length=BODY_LIMIT)] = None

    _line = field_validator("to", "subject")(_one_line)


class SummaryDraftOut(BaseModel):
    """What would be sent if nothing is changed: an editable preview."""

    to: str | None = Field(description="the address used when none is given (null: none)")
    addresses: list[str] = Field(description="every e-mail address of the customer")
    masked: bool = Field(description="true when the addresses are masked for the caller")
    subject: str
    body: str


class SummaryOut(BaseModel):
    """The e-mail queued: a new outbound e-mail interaction in the same case."""

    interaction_id: uuid.UUID
    case_id: uuid.UUID
    message_id: uuid.UUID
    to: str
    masked: bool
    subject: str
    delivery_status: DeliveryStatus


class CheckOut(BaseModel):
    """Whether the SMTP server takes the settings: connected, secured and logged in."""

    ok: bool
    error: str | None = Field(
        default=None,
        description="what went wrong, by kind and reply code; never the server's own words",
    )
    retry: bool | None = Field(
        default=None, description="true: may pass later as it is; false: settings must change"
    )
