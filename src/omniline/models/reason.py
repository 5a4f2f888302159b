"""The contact-reason taxonomy shared by every channel and by offline staff."""

import uuid

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import JSONDoc
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class ContactReason(IdMixin, CreatedMixin, TenantMixin, Base):
    __tablename__ = "contact_reasons"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contact_reasons.id"), index=True
    )
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))  # in the tenant's default language
    # the name in other languages, by code ({"pl": "Karty", "ru": "Карты"}); see `name_in`
    names: Mapped[dict[str, str]] = mapped_column(JSONDoc, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name_in(self, language: str) -> str:
        """The name a visitor reading `language` sees (the default name when not translated)."""
        return self.names.get(language) or self.name
