"""The knowledge base: articles (with every version kept), their links to contact reasons, and
the search index."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from omniline.kit.types import JSONDoc, UTCDateTime
from omniline.models.base import Base, CreatedMixin, IdMixin, TenantMixin

# the search index lives outside the models: FTS5 on SQLite, tsvector on PostgreSQL
SEARCH_TABLE = "article_fts"


def outside_models(name: str | None) -> bool:
    """Whether a table is one the models do not describe (the search index and its parts)."""
    return bool(name) and str(name).startswith(SEARCH_TABLE)


class Audience(StrEnum):
    PUBLIC = "public"  # customers on the portal, and staff
    INTERNAL = "internal"  # staff only
    BOTH = "both"


class ArticleKind(StrEnum):
    ARTICLE = "article"  # a solution: how to do or fix something
    GUIDELINE = "guideline"  # for staff handling a reason: what to ask, check, promise


class BodyFormat(StrEnum):
    """How the author wrote the body: the editor reopens it the same way."""

    HTML = "html"
    MARKDOWN = "md"  # `markdown` holds the text as written; `body` is its safe rendering


class ArticleStatus(StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class Article(IdMixin, CreatedMixin, TenantMixin, Base):
    """An article as it is now; its content is that of its current version."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        # one article per language in a translation group
        Index("ix_articles_translation", "tenant_id", "translation_group", "language", unique=True),
    )

    slug: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ArticleKind] = mapped_column(String(16), default=ArticleKind.ARTICLE)
    status: Mapped[ArticleStatus] = mapped_column(String(16), default=ArticleStatus.DRAFT)
    # the version being edited (the newest) and the one readers see (null until published)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # safe HTML (sanitised on save)
    body_format: Mapped[BodyFormat] = mapped_column(String(8), default=BodyFormat.HTML)
    markdown: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    audience: Mapped[Audience] = mapped_column(String(16), default=Audience.BOTH)
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # the same topic in other languages shares the group (the id of the article that was
    # translated first); null: no translation is linked
    translation_group: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    review_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleVersion(IdMixin, CreatedMixin, TenantMixin, Base):
    """One saved state of an article; never changed after it is written."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    body_format: Mapped[BodyFormat] = mapped_column(String(8), default=BodyFormat.HTML)
    markdown: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16))
    audience: Mapped[Audience] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str] = mapped_column(String(500), default="")


class ArticleReason(TenantMixin, Base):
    """An article solves (or, for a guideline, guides) a contact reason."""

    __tablename__ = "article_reasons"

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    reason_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contact_reasons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ArticleFeedback(IdMixin, CreatedMixin, TenantMixin, Base):
    """ "Did this help?" from a customer or a member of staff."""

    __tablename__ = "article_feedback"

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int | None] = mapped_column(Integer)
    helpful: Mapped[bool]
    source: Mapped[str] = mapped_column(String(16))  # customer, agent
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    comment: Mapped[str] = mapped_column(Text, default="")


class ArticleUse(IdMixin, CreatedMixin, TenantMixin, Base):
    """An article sent to a customer or used by an agent while handling a contact."""

    __tablename__ = "article_uses"

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # sent, used
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)


class KnowledgeSearch(IdMixin, CreatedMixin, TenantMixin, Base):
    """A search and how many results it had: editors see what people look for in vain."""

    __tablename__ = "knowledge_searches"

    query: Mapped[str] = mapped_column(String(500))
    terms: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    results: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # agent, portal, api
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
