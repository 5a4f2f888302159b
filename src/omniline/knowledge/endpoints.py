"""HTTP endpoints of the knowledge base: articles and guidelines, versions, reasons' solutions."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from sqlalchemy.exc import IntegrityError

from omniline.api.deps import CtxDep, IdPath, public_root
from omniline.auth.permissions import Permission
from omniline.cases import service as cases
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput
from omniline.knowledge import articles, feedback, transfer
from omniline.knowledge.schemas import (
    ArticleCreate,
    ArticleNumbersOut,
    ArticleOut,
    ArticlePatch,
    FeedbackIn,
    ImportResultOut,
    MissedSearchOut,
    PublishedOut,
    ReasonRef,
    ReasonsIn,
    ReportOut,
    RollbackIn,
    SearchHit,
    SearchOut,
    SentArticleOut,
    SolutionsOut,
    SuggestionOut,
    TranslationOut,
    UseIn,
    VersionOut,
)
from omniline.knowledge.text import plain_text
from omniline.models import Article, ArticleKind, ArticleStatus, Audience, BodyFormat
from omniline.reasons import service as reasons

router = APIRouter(tags=["knowledge"])

ARTICLES = "/tenants/{tenant}/articles"
ARTICLE = ARTICLES + "/{article_id}"


async def _out(work: Work, row: Article) -> ArticleOut:
    out = ArticleOut.model_validate(row)
    out.reason_ids = await articles.reasons_of(work, row)
    out.translations = [
        TranslationOut.model_validate(t) for t in await articles.translations_of(work, row)
    ]
    return out


@router.get(ARTICLES, response_model=list[ArticleOut], summary="Articles and guidelines")
async def list_articles(
    ctx: CtxDep,
    status: Annotated[ArticleStatus | None, Query()] = None,
    kind: Annotated[ArticleKind | None, Query()] = None,
    reason_id: Annotated[IdPath | None, Query()] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[ArticleOut]:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    rows = await articles.list_articles(
        ctx.work,
        ctx.tenant,
        status=status,
        kind=kind,
        reason_id=reason_id,
        language=language,
        limit=limit,
    )
    return [await _out(ctx.work, r) for r in rows]


@router.post(ARTICLES, response_model=ArticleOut, status_code=201, summary="Write a draft")
async def create_article(ctx: CtxDep, body: ArticleCreate) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.create_article(
        ctx.work,
        ctx.tenant,
        title=body.title,
        body=body.body,
        kind=ArticleKind(body.kind),
        language=body.language,
        audience=Audience(body.audience),
        tags=body.tags,
        review_on=body.review_on,
        slug=body.slug,
        body_format=BodyFormat(body.body_format),
    )
    if body.reason_ids:
        await articles.set_reasons(ctx.work, ctx.tenant, row, body.reason_ids)
    if body.translation_of is not None:
        await articles.link_translation(ctx.work, ctx.tenant, row, body.translation_of)
    out = await _out(ctx.work, row)
    try:
        await ctx.work.commit()
    except IntegrityError as exc:  # the same slug (or translation) at the same moment
        await ctx.work.rollback()
        raise Conflict("an article with this slug or translation was just made") from exc
    return out


# export and import come before ARTICLE, whose {article_id} would take "export" for an id
@router.get(
    ARTICLES + "/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "a zip of files"}},
    summary="Download articles as a zip of Markdown or HTML files (their newest versions)",
)
async def export_articles(
    ctx: CtxDep,
    file_format: Annotated[transfer.FileFormat, Query(alias="format")] = transfer.FileFormat.MD,
    status: Annotated[ArticleStatus | None, Query()] = None,
    kind: Annotated[ArticleKind | None, Query()] = None,
) -> Response:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    data = await transfer.export_zip(ctx.work, ctx.tenant, file_format, status=status, kind=kind)
    name = f"{ctx.tenant.slug}-articles-{file_format}.zip"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="application/zip", headers=disposition)


@router.post(
    ARTICLES + "/import",
    response_model=list[ImportResultOut],
    summary="Create or edit articles from .md/.html files or zips of them; a result per file",
)
async def import_articles(
    ctx: CtxDep,
    file: Annotated[
        list[UploadFile], File(description=".md, .markdown, .html, .htm or .zip; repeat for more")
    ],
    publish: Annotated[bool, Form(description="publish each imported article")] = False,
) -> list[ImportResultOut]:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    uploads = [transfer.Upload(f.filename or "upload", await f.read()) for f in file]
    made = await transfer.import_files(ctx.work, ctx.tenant, uploads, publish=publish)
    try:
        await ctx.work.commit()
    except IntegrityError as exc:  # another editor made the same slug at the same moment
        await ctx.work.rollback()
        raise Conflict("an article with one of these slugs was just made: import again") from exc
    return [ImportResultOut.model_validate(r) for r in made]


@router.get(ARTICLE, response_model=ArticleOut, summary="One article, as editors see it")
async def get_article(ctx: CtxDep, article_id: IdPath) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    return await _out(
        ctx.work, await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    )


@router.patch(ARTICLE, response_model=ArticleOut, summary="Edit: content changes make a version")
async def edit_article(ctx: CtxDep, article_id: IdPath, body: ArticlePatch) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await articles.edit_article(ctx.work, ctx.tenant, row, body.changes(), note=body.note)
    if "translation_of" in body.model_fields_set:
        await articles.link_translation(ctx.work, ctx.tenant, row, body.translation_of)
    out = await _out(ctx.work, row)
    try:
        await ctx.work.commit()
    except IntegrityError as exc:  # another version in this language was linked meanwhile
        await ctx.work.rollback()
        raise Conflict("another article in this language was just linked: try again") from exc
    return out


@router.get(ARTICLE + "/versions", response_model=list[VersionOut], summary="Every version")
async def list_versions(ctx: CtxDep, article_id: IdPath) -> list[VersionOut]:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    return [VersionOut.model_validate(v) for v in await articles.versions(ctx.work, row)]


@router.post(ARTICLE + "/publish", response_model=ArticleOut, summary="Readers see the newest")
async def publish(ctx: CtxDep, article_id: IdPath) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await articles.publish(ctx.work, ctx.tenant, row)
    out = await _out(ctx.work, row)
    await ctx.work.commit()
    return out


@router.post(ARTICLE + "/unpublish", response_model=ArticleOut, summary="Hide from readers")
async def unpublish(ctx: CtxDep, article_id: IdPath) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await articles.unpublish(ctx.work, ctx.tenant, row)
    out = await _out(ctx.work, row)
    await ctx.work.commit()
    return out


@router.post(
    ARTICLE + "/rollback",
    response_model=ArticleOut,
    summary="Make an earlier version the newest again (as a new version)",
)
async def roll_back(ctx: CtxDep, article_id: IdPath, body: RollbackIn) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await articles.roll_back(ctx.work, ctx.tenant, row, body.version)
    out = await _out(ctx.work, row)
    await ctx.work.commit()
    return out


@router.put(
    ARTICLE + "/reasons", response_model=ArticleOut, summary="The contact reasons it serves"
)
async def set_reasons(ctx: CtxDep, article_id: IdPath, body: ReasonsIn) -> ArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await articles.set_reasons(ctx.work, ctx.tenant, row, body.reason_ids)
    out = await _out(ctx.work, row)
    await ctx.work.commit()
    return out


@router.get(
    "/tenants/{tenant}/knowledge/search",
    response_model=SearchOut,
    summary="Search published articles and guidelines (staff see internal ones too)",
)
async def search(
    ctx: CtxDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="words to look for")],
    language: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    audiences = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)
    found, terms = await articles.search(
        ctx.work, ctx.tenant, q, language=language, audiences=audiences, limit=limit
    )
    source = "agent" if ctx.access.principal.user is not None else "api"
    feedback.record_search(
        ctx.work, ctx.tenant, query=q, terms=terms, language=language, results=len(found),
        source=source,
    )  # fmt: skip
    await ctx.work.commit()
    return SearchOut(
        query=q,
        terms=terms,
        results=[
            SearchHit(
                id=f.article.id,
                slug=f.article.slug,
                kind=f.article.kind,
                title=f.content.title,
                language=f.content.language,
                score=f.score,
                snippet=f.snippet,
            )
            for f in found
        ],
    )


@router.post(ARTICLE + "/feedback", status_code=204, summary="Did this help? (staff and systems)")
async def give_feedback(ctx: CtxDep, article_id: IdPath, body: FeedbackIn) -> None:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    source = "agent" if ctx.access.principal.user is not None else "customer"
    await feedback.give_feedback(
        ctx.work, ctx.tenant, row, helpful=body.helpful, source=source, comment=body.comment,
        interaction_id=body.interaction_id,
    )  # fmt: skip
    await ctx.work.commit()


@router.post(
    ARTICLE + "/uses", status_code=204, summary="The article was sent or used on a contact"
)
async def record_use(ctx: CtxDep, article_id: IdPath, body: UseIn) -> None:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    await feedback.record_use(
        ctx.work, ctx.tenant, row, kind=body.kind, interaction_id=body.interaction_id
    )
    await ctx.work.commit()


@router.get(
    "/tenants/{tenant}/knowledge/report",
    response_model=ReportOut,
    summary="For editors: feedback and use per article, searches that found nothing, reasons "
    "without a published article",
)
async def report(
    ctx: CtxDep,
    days: Annotated[int, Query(ge=1, le=366, description="look back this many days")] = 30,
) -> ReportOut:
    ctx.access.require(Permission.KNOWLEDGE_MANAGE)
    since = utcnow() - timedelta(days=days)
    made = await feedback.report(ctx.work, ctx.tenant, since=since)
    return ReportOut(
        since=since,
        articles=[ArticleNumbersOut(**vars(n)) for n in made.articles],
        missed_searches=[MissedSearchOut(**vars(m)) for m in made.missed_searches],
        reasons_without_articles=[
            ReasonRef(id=i, code=c, name=n) for i, c, n in made.reasons_without_articles
        ],
    )


@router.get(
    "/tenants/{tenant}/interactions/{interaction_id}/suggestions",
    response_model=list[SuggestionOut],
    summary="Articles likely to help with a contact: its reason's first, then from its words",
)
async def suggestions(
    ctx: CtxDep,
    interaction_id: IdPath,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[SuggestionOut]:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    said = await interactions.list_messages(
        ctx.work.session, row.id, after=None, limit=20, include_internal=False
    )
    words = " ".join([row.subject, *(m.body for m in said if m.direction == "inbound")])
    case = await cases.get_case_or_raise(ctx.work, ctx.tenant, row.case_id)
    found = await articles.suggest(
        ctx.work,
        ctx.tenant,
        reason_id=row.reason_id or case.reason_id,
        text_of_contact=words,
        language=None,
        limit=limit,
    )
    return [
        SuggestionOut(id=s.article.id, kind=s.article.kind, title=s.content.title, why=s.why,
                      snippet=s.snippet)
        for s in found
    ]  # fmt: skip


@router.get(
    "/tenants/{tenant}/reasons/{reason_id}/solutions",
    response_model=SolutionsOut,
    summary="A reason's guidelines for staff and its published solution articles",
)
async def solutions(ctx: CtxDep, reason_id: IdPath) -> SolutionsOut:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    await reasons.get_reason_or_raise(ctx.work, ctx.tenant, reason_id)
    audiences = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)
    guides, found = await articles.for_reason(ctx.work, ctx.tenant, reason_id, audiences=audiences)
    return SolutionsOut(
        reason_id=reason_id,
        guidelines=[await _published(ctx.work, a) for a in guides],
        articles=[await _published(ctx.work, a) for a in found],
    )


async def _published(work: Work, row: Article) -> PublishedOut:
    content = await articles.published_content(work, row)
    assert content is not None  # only published articles are listed
    return PublishedOut(
        id=row.id,
        slug=row.slug,
        kind=row.kind,
        version=content.number,
        title=content.title,
        body=content.body,
        language=content.language,
        tags=content.tags,
    )


@router.post(
    "/tenants/{tenant}/interactions/{interaction_id}/articles/{article_id}/send",
    response_model=SentArticleOut,
    status_code=201,
    summary="Send a published public article to the customer in the contact's channel",
)
async def send_article(
    request: Request, ctx: CtxDep, interaction_id: IdPath, article_id: IdPath
) -> SentArticleOut:
    ctx.access.require(Permission.KNOWLEDGE_READ)
    ctx.access.require(Permission.MESSAGES_SEND)
    row = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    article = await articles.get_article_or_raise(ctx.work, ctx.tenant, article_id)
    content = await articles.published_content(ctx.work, article)
    if (
        content is None
        or article.kind != ArticleKind.ARTICLE
        or article.audience == Audience.INTERNAL
    ):
        raise InvalidInput("only published articles for customers can be sent to a customer")
    link = f"{public_root(request)}/help/{ctx.tenant.slug}/articles/{article.slug}"
    text = f"{content.title}\n\n{plain_text(content.body)}\n\n{link}"
    message = interactions.reply(ctx.work, ctx.tenant, row, body=text)
    await feedback.record_use(ctx.work, ctx.tenant, article, kind="sent", interaction_id=row.id)
    await ctx.work.commit()
    return SentArticleOut(message_id=message.id, title=content.title, link=link)
