"""Files people send in conversations: a row per file; the bytes live in the data folder."""

import uuid

from sqlalchemy import BigInteger, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin


class File(IdMixin, CreatedMixin, TenantMixin, Base):
    """One stored file, kept at <data dir>/files/<tenant id>/<file id>."""

    __tablename__ = "files"

    # the conversation it was sent in: who may read it follows from there
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("interactions.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
