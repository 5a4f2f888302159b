"""What the knowledge endpoints read and answer."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from omniline.kit.boundary import INT64_MAX

Title = Annotated[str, Field(min_length=1, max_length=300)]
Body = Annotated[
    str,
    Field(
        max_length=200_000,
        description="HTML, or Markdown with body_format md; unsafe parts are removed",
    ),
]
BodyFormatName = Annotated[
    Literal["html", "md"],
    Field(description="how the body is written: html, or md (Markdown, kept as written)"),
]
TranslationOf = Annotated[
    uuid.UUID | None,
    Field(description="the article this one translates (its group gains this language)"),
]
Language = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z]+)?$")]
Tag = Annotated[str, Field(min_length=1, max_length=50)]
AudienceName = Literal["public", "internal", "both"]


class ArticleCreate(BaseModel):
    """A new article (a solution) or guideline (for staff handling a reason), as a draft."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    body_format: BodyFormatName = "html"
    kind: Literal["article", "guideline"] = "article"
    language: Language | None = None
    audience: AudienceName = "both"
    tags: Annotated[list[Tag], Field(max_length=30)] = []
    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")] | None = None
    review_on: date | None = None
    reason_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = []
    translation_of: TranslationOf = None


class ArticlePatch(BaseModel):
    """Changes to the content make a new version; owner, review date and the translation link
    do not. `translation_of: null` unlinks the article from its translations."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    body_format: BodyFormatName | None = None
    language: Language | None = None
    audience: AudienceName | None = None
    tags: Annotated[list[Tag], Field(max_length=30)] | None = None
    owner_id: uuid.UUID | None = None
    review_on: date | None = None
    translation_of: TranslationOf = None
    note: Annotated[str, Field(max_length=500)] = ""

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(include=self.model_fields_set - {"note", "translation_of"})
        return {k: v for k, v in sent.items() if v is not None or k == "review_on"}


class TranslationOut(BaseModel):
    """The same topic in another language."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    title: str
    language: str
    status: str


class ArticleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    kind: str
    status: str
    version: int
    published_version: int | None
    title: str
    body: str = Field(description="safe HTML, what readers see")
    body_format: str = Field(description="how the author wrote it: html or md")
    markdown: str = Field(description="the Markdown as written (empty for html)")
    language: str
    audience: str
    tags: list[str]
    owner_id: uuid.UUID | None
    review_on: date | None
    created_at: datetime
    updated_at: datetime | None
    published_at: datetime | None
    reason_ids: list[uuid.UUID] = []
    translation_group: uuid.UUID | None
    translations: list[TranslationOut] = []


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    body: str
    body_format: str
    markdown: str
    language: str
    audience: str
    tags: list[str]
    author_id: uuid.UUID | None
    note: str
    created_at: datetime


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=INT64_MAX)]


class ReasonsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_ids: Annotated[list[uuid.UUID], Field(max_length=50)]


class PublishedOut(BaseModel):
    """An article as readers see it (its published version)."""

    id: uuid.UUID
    slug: str
    kind: str
    version: int
    title: str
    body: str
    language: str
    tags: list[str]


class SolutionsOut(BaseModel):
    """What staff need for a contact reason: how to handle it, and the articles that solve it."""

    reason_id: uuid.UUID
    guidelines: list[PublishedOut]
    articles: list[PublishedOut]


class SearchHit(BaseModel):
    """A published article found: `snippet` is HTML-escaped text with <mark> around matches."""

    id: uuid.UUID
    slug: str
    kind: str
    title: str
    language: str
    score: float
    snippet: str


class SearchOut(BaseModel):
    query: str
    terms: list[str] = Field(description="the words searched, stemmed and with typos corrected")
    results: list[SearchHit]


class FeedbackIn(BaseModel):
    """ "Did this help?" — optionally on the contact it was used for."""

    model_config = ConfigDict(extra="forbid")

    helpful: bool
    comment: Annotated[str, Field(max_length=2000)] = ""
    interaction_id: uuid.UUID | None = None


class UseIn(BaseModel):
    """The article was sent to the customer, or used by the agent, on a contact."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["sent", "used"]
    interaction_id: uuid.UUID


class ArticleNumbersOut(BaseModel):
    article_id: uuid.UUID
    title: str
    status: str
    helpful: int
    not_helpful: int
    sent: int
    used: int


class MissedSearchOut(BaseModel):
    query: str
    times: int
    last: datetime


class ReasonRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str


class ReportOut(BaseModel):
    """What works and what is missing, since `since`."""

    since: datetime
    articles: list[ArticleNumbersOut]
    missed_searches: list[MissedSearchOut]
    reasons_without_articles: list[ReasonRef]


class SuggestionOut(BaseModel):
    """An article likely to help with a contact, and why it is suggested."""

    id: uuid.UUID
    kind: str
    title: str
    why: Literal["reason", "text"]
    snippet: str


class ImportResultOut(BaseModel):
    """What became of one imported file (a zip's files are listed one by one)."""

    model_config = ConfigDict(from_attributes=True)

    file: str = Field(description="the file's name; in a zip: the zip's name / the path in it")
    outcome: Literal["created", "updated", "unchanged", "failed"]
    message: str = Field(description="why it failed, or what changed")
    slug: str | None
    article_id: uuid.UUID | None
    version: int | None = Field(description="the article's newest version after the import")
    published: bool = Field(description="readers see the imported version")


class SentArticleOut(BaseModel):
    """The reply that carried an article to the customer."""

    message_id: uuid.UUID
    title: str
    link: str
