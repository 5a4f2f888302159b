"""A tenant is one client project of the contact center."""

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import JSONDoc
from omniline.models.base import Base, CreatedMixin, IdMixin


class Tenant(IdMixin, CreatedMixin, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    default_region: Mapped[str] = mapped_column(String(2), default="US")
    # {"week": {"mon": [["09:00", "18:00"]], ...}, "holidays": ["2026-12-25", ...]}
    business_calendar: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # tunable rules, e.g. {"case_join_window_hours": 72}
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    next_case_number: Mapped[int] = mapped_column(default=1)
