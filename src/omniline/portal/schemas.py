"""What the portal's API endpoints answer."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class OutcomesOut(BaseModel):
    visits: int
    deflected: int
    contacted: int
    ongoing: int
    deflection_rate: float | None


class ArticleDeflectionOut(BaseModel):
    article_id: uuid.UUID
    title: str
    outcomes: OutcomesOut


class ReasonDeflectionOut(BaseModel):
    reason_id: uuid.UUID
    code: str
    name: str
    outcomes: OutcomesOut


class DeflectionOut(BaseModel):
    """Portal visits by outcome: deflected (ended without a contact) or contacted."""

    since: datetime
    until: datetime
    total: OutcomesOut
    articles: list[ArticleDeflectionOut]
    reasons: list[ReasonDeflectionOut]


class StatusLinkOut(BaseModel):
    """A signed link to send the customer; it opens their case's status page."""

    url: str
    expires_in_days: int
