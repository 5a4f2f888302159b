"""Portal visits: what a visitor searched and read, the contact it became, and deflection.

A visit lasts while the visitor keeps coming back within `VISIT_IDLE`; after that it has ended.
A visit that ended without asking for contact counts as deflected: the portal answered.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, and_, case, distinct, func, select

from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.ids import new_id
from omniline.models import (
    Article,
    ArticleReason,
    ContactReason,
    PortalEvent,
    PortalVisit,
    Tenant,
)

VISIT_IDLE = timedelta(minutes=30)
TRAIL_LIMIT = 10  # searches and articles carried into a contact


class EventKind:
    SEARCH = "search"
    VIEW = "view"
    CATEGORY = "category"
    CONTACT = "contact"
    CALLBACK = "callback"
    CHAT = "chat"


async def get_visit(work: Work, tenant: Tenant, visit_id: uuid.UUID | None) -> PortalVisit | None:
    """The visit, if it exists in this tenant and is still going on."""
    if visit_id is None:
        return None
    row = await work.session.get(PortalVisit, visit_id)
    if row is None or row.tenant_id != tenant.id:
        return None
    if row.last_seen_at < utcnow() - VISIT_IDLE:
        return None
    return row


async def touch_visit(
    work: Work, tenant: Tenant, visit_id: uuid.UUID | None, language: str
) -> PortalVisit:
    """The visitor's current visit, or a new one."""
    now = utcnow()
    row = await get_visit(work, tenant, visit_id)
    if row is None:
        row = PortalVisit(
            id=new_id(),
            tenant_id=tenant.id,
            started_at=now,
            last_seen_at=now,
            language=language,
            searches=0,
            views=0,
        )
        work.session.add(row)
        await work.session.flush()  # before its events: no ORM relationship orders them
    else:
        row.last_seen_at = now
        row.language = language
    return row


def note(
    work: Work,
    visit: PortalVisit,
    kind: str,
    *,
    query: str = "",
    results: int | None = None,
    article_id: uuid.UUID | None = None,
    reason_id: uuid.UUID | None = None,
) -> None:
    """Record what the visitor did."""
    if kind == EventKind.SEARCH:
        visit.searches += 1
    elif kind == EventKind.VIEW:
        visit.views += 1
    work.session.add(
        PortalEvent(
            id=new_id(),
            tenant_id=visit.tenant_id,
            visit_id=visit.id,
            kind=kind,
            query=query[:500],
            results=results,
            article_id=article_id,
            reason_id=reason_id,
            created_at=utcnow(),
        )
    )


@dataclass(frozen=True)
class Trail:
    """What a visitor looked at before asking for contact, newest last."""

    searches: list[str]
    articles: list[str]  # titles

    def as_note(self) -> str:
        """The internal note an agent reads on the new contact."""
        lines = ["Before contacting us, on the help portal the customer"]
        if self.searches:
            lines.append("searched for: " + "; ".join(f"“{q}”" for q in self.searches))
        if self.articles:
            lines.append("read: " + "; ".join(f"“{t}”" for t in self.articles))
        if len(lines) == 1:
            lines.append("did not search or read any article.")
        return "\n".join(lines)


async def trail(work: Work, visit: PortalVisit) -> Trail:
    """The visit's searches and read articles (distinct, in order, the last few)."""
    rows = await work.session.execute(
        select(PortalEvent.kind, PortalEvent.query, Article.title)
        .outerjoin(Article, Article.id == PortalEvent.article_id)
        .where(
            PortalEvent.visit_id == visit.id,
            PortalEvent.kind.in_((EventKind.SEARCH, EventKind.VIEW)),
        )
        .order_by(PortalEvent.created_at)
    )
    searches: dict[str, None] = {}
    titles: dict[str, None] = {}
    for kind, query, title in rows:
        if kind == EventKind.SEARCH and query:
            searches[query] = None
        elif kind == EventKind.VIEW and title:
            titles[title] = None
    return Trail(list(searches)[-TRAIL_LIMIT:], list(titles)[-TRAIL_LIMIT:])


def mark_contacted(work: Work, visit: PortalVisit, interaction_id: uuid.UUID, kind: str) -> None:
    """The visit became a contact (a web form or a callback request)."""
    visit.contacted_at = visit.contacted_at or utcnow()
    visit.interaction_id = visit.interaction_id or interaction_id
    note(work, visit, kind)


def visit_token(secret: str, visit: PortalVisit) -> str:
    """A token naming a visit, for the chat widget on portal pages to hand on."""
    return URLSafeTimedSerializer(secret, salt=f"omniline.visit.{visit.tenant_id}").dumps(
        str(visit.id)
    )


async def visit_of_token(work: Work, tenant: Tenant, secret: str, token: str) -> PortalVisit | None:
    """The ongoing visit a token names (None for a bad, old or foreign one)."""
    serializer = URLSafeTimedSerializer(secret, salt=f"omniline.visit.{tenant.id}")
    try:
        visit_id = uuid.UUID(serializer.loads(token, max_age=int(VISIT_IDLE.total_seconds()) * 4))
    except (BadSignature, ValueError, TypeError):
        return None
    return await get_visit(work, tenant, visit_id)


async def hand_over(
    work: Work, tenant: Tenant, secret: str, token: str, interaction_id: uuid.UUID
) -> Trail | None:
    """A chat started from the portal: the visit became a contact; its trail for the agent."""
    visit = await visit_of_token(work, tenant, secret, token) if token else None
    if visit is None:
        return None
    mark_contacted(work, visit, interaction_id, EventKind.CHAT)
    return await trail(work, visit)


@dataclass(frozen=True)
class Outcomes:
    """Visits by how they ended: deflected (ended without contact), contacted, still going."""

    visits: int
    deflected: int
    contacted: int
    ongoing: int

    @property
    def deflection_rate(self) -> float | None:
        """Of the visits that ended, the share that needed no contact."""
        done = self.deflected + self.contacted
        return round(self.deflected / done, 4) if done else None


@dataclass(frozen=True)
class ArticleOutcome:
    article_id: uuid.UUID
    title: str
    outcomes: Outcomes


@dataclass(frozen=True)
class ReasonOutcome:
    reason_id: uuid.UUID
    code: str
    name: str
    outcomes: Outcomes


@dataclass(frozen=True)
class Deflection:
    since: datetime
    until: datetime
    total: Outcomes
    articles: list[ArticleOutcome]
    reasons: list[ReasonOutcome]


def _outcome_columns(
    now: datetime,
) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    visit = PortalVisit
    contacted = visit.contacted_at.is_not(None)
    ended = and_(visit.contacted_at.is_(None), visit.last_seen_at < now - VISIT_IDLE)
    return (
        func.count(distinct(visit.id)),
        func.count(distinct(case((ended, visit.id)))),
        func.count(distinct(case((contacted, visit.id)))),
    )


def _outcomes(visits: int, deflected: int, contacted: int) -> Outcomes:
    return Outcomes(visits, deflected, contacted, visits - deflected - contacted)


async def deflection(
    work: Work, tenant: Tenant, *, since: datetime, until: datetime, limit: int = 100
) -> Deflection:
    """Visits that started in [since, until): in all, per article read and per reason."""
    now = utcnow()
    counts = _outcome_columns(now)
    in_range = (
        PortalVisit.tenant_id == tenant.id,
        PortalVisit.started_at >= since,
        PortalVisit.started_at < until,
    )
    total_row = (await work.session.execute(select(*counts).where(*in_range))).one()
    per_article = await work.session.execute(
        select(Article.id, Article.title, *counts)
        .join(PortalEvent, PortalEvent.visit_id == PortalVisit.id)
        .join(Article, Article.id == PortalEvent.article_id)
        .where(*in_range, PortalEvent.kind == EventKind.VIEW)
        .group_by(Article.id, Article.title)
        .order_by(func.count(distinct(PortalVisit.id)).desc(), Article.title)
        .limit(limit)
    )
    # a visit counts for a reason if it browsed it, read one of its articles or named it
    linked = select(ArticleReason.reason_id.label("reason_id"), PortalEvent.visit_id).join(
        PortalEvent, PortalEvent.article_id == ArticleReason.article_id
    )
    direct = select(PortalEvent.reason_id.label("reason_id"), PortalEvent.visit_id).where(
        PortalEvent.reason_id.is_not(None)
    )
    touched = linked.union(direct).subquery()
    per_reason = await work.session.execute(
        select(ContactReason.id, ContactReason.code, ContactReason.name, *counts)
        .join(touched, touched.c.visit_id == PortalVisit.id)
        .join(ContactReason, ContactReason.id == touched.c.reason_id)
        .where(*in_range)
        .group_by(ContactReason.id, ContactReason.code, ContactReason.name)
        .order_by(func.count(distinct(PortalVisit.id)).desc(), ContactReason.code)
        .limit(limit)
    )
    return Deflection(
        since,
        until,
        _outcomes(*total_row),
        [ArticleOutcome(r[0], r[1], _outcomes(r[2], r[3], r[4])) for r in per_article],
        [ReasonOutcome(r[0], r[1], r[2], _outcomes(r[3], r[4], r[5])) for r in per_reason],
    )
