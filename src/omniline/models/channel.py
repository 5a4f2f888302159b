"""Channel accounts of a tenant, and inbound payloads that could not be handled."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class ChannelAccount(IdMixin, CreatedMixin, TenantMixin, Base):
    """One configured channel of a tenant (a web form, a mailbox, a Telegram bot...)."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    secret: Mapped[str | None] = mapped_column(String(200))


class InboundFailure(IdMixin, CreatedMixin, Base):
    """A payload a channel received but could not turn into a message: kept, never dropped."""

    __tablename__ = "inbound_failures"

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(200))
    # the bytes as received: a payload that is not UTF-8 or JSON is what must be looked at
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
