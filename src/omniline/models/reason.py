"""The contact-reason taxonomy shared by every channel and by offline staff."""

import uuid

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class ContactReason(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "contact_reasons"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contact_reasons.id"), index=True
    )
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
