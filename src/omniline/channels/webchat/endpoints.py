"""The chat API the widget talks to, and the tenant's web chat settings for administrators.

Public routes live under /api/v1/chat/{tenant}/: no login, a browser's request must come
from one of the tenant's allowed origins (CORS headers go to those only, errors included, so
the widget can read them). A visitor proves which chat is theirs with the conversation token
(`Authorization: Bearer <token>`, or `?token=` on the socket).
"""

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import FileResponse, JSONResponse, Response

from omniline.api.deps import CtxDep, TenantRef, WorkDep, client_ip, get_runtime, public_root
from omniline.api.errors import error_body
from omniline.auth.permissions import Permission
from omniline.channels.webchat import service, socket
from omniline.channels.webchat.access import check_origin, open_chat, own_origin
from omniline.channels.webchat.schemas import (
    CallbackIn,
    ChatConfig,
    History,
    IdentityIn,
    LeaveMessageIn,
    MessageIn,
    Received,
    Started,
    StartIn,
    Status,
    TypingIn,
    VisitorIdentity,
    VisitorMessage,
    WebchatIn,
    WebchatOut,
)
from omniline.channels.webchat.settings import (
    WebchatConfig,
    WebchatSettings,
    read_settings,
    save_settings,
)
from omniline.channels.webchat.texts import pick_language, texts_for
from omniline.channels.webchat.tokens import Conversation, ConversationSigner
from omniline.files import service as files
from omniline.files.download import download
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.errors import DomainError, Unauthorized
from omniline.limits import service as limits
from omniline.models import Interaction, Tenant

BASE = "/chat/{tenant}"
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "authorization, content-type",
    "Access-Control-Max-Age": "600",
}


class ChatRoute(APIRoute):
    """Errors answer as JSON here too, and every answer to an allowed origin has CORS headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handle(request)
            except DomainError as exc:
                body = error_body(exc.code, exc.message, **exc.details)
                response = JSONResponse(body, exc.status_code)
            except RequestValidationError as exc:
                response = JSONResponse(_invalid(exc), 422)
            response.headers["Vary"] = "Origin"
            origin = getattr(request.state, "chat_origin", None)
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
            return response

        return answer


def _invalid(exc: RequestValidationError) -> dict[str, Any]:
    problems = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
            "problem": e.get("msg", "invalid"),
        }
        for e in exc.errors()[:20]
    ]
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
    return error_body("invalid_input", f"the request is not valid: {summary}", problems=problems)


router = APIRouter(tags=["web chat"], route_class=ChatRoute)
admin_router = APIRouter(tags=["web chat"])


@dataclass
class Chat:
    """A request to a tenant's chat from a site it allows."""

    request: Request
    work: Work
    tenant: Tenant
    settings: WebchatSettings

    @property
    def signer(self) -> ConversationSigner:
        return ConversationSigner(get_runtime(self.request).settings.secret_key)

    async def count(self, limit: limits.Limit) -> None:
        """One more use of a limited action by this client (429 past the limit)."""
        secret = get_runtime(self.request).settings.secret_key
        client = limits.client_key(secret, client_ip(self.request))
        await limits.hit(self.work, self.tenant, limit, client)


# the chat is public: one address may not open customers and contacts without end
STARTS = limits.Limit(
    "chat.start", 30, timedelta(hours=1), "too many chats from here this hour: try again later"
)
WRITTEN = limits.Limit(
    "chat.written",
    5,
    timedelta(hours=1),
    "we already received several requests from here this hour: we will answer them",
)


async def get_chat(request: Request, tenant: TenantRef, work: WorkDep) -> Chat:
    """The tenant's chat, for a request from an allowed origin."""
    tenant_row, settings = await open_chat(work, tenant)
    origin = request.headers.get("origin")
    own = own_origin(request.url.scheme, request.headers.get("host"))
    check_origin(origin, settings, own)
    request.state.chat_origin = origin
    work.actor = Actor(ActorType.CUSTOMER, None, client_ip(request))
    return Chat(request, work, tenant_row, settings)


ChatDep = Annotated[Chat, Depends(get_chat)]


@dataclass
class Visitor:
    """A visitor with their conversation token: the chat, and which conversation is theirs."""

    chat: Chat
    conversation: Conversation
    interaction: Interaction

    @property
    def work(self) -> Work:
        return self.chat.work

    @property
    def tenant(self) -> Tenant:
        return self.chat.tenant


def bearer(request: Request) -> str:
    """The conversation token of the Authorization header ('' without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def get_visitor(chat: ChatDep) -> Visitor:
    """The visitor's conversation; 401 when the token is missing, forged or another tenant's."""
    conversation = chat.signer.read(chat.tenant, bearer(chat.request))
    if conversation is None:
        raise Unauthorized("the chat token is not valid: start a new chat")
    row = await service.open_conversation(chat.work, chat.tenant, conversation)
    chat.work.actor = Actor(ActorType.CUSTOMER, row.customer_id, client_ip(chat.request))
    return Visitor(chat, conversation, row)


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


# --- before the chat -----------------------------------------------------------------------


@router.options(BASE + "/{path:path}", include_in_schema=False)
async def preflight(chat: ChatDep) -> Response:
    """CORS preflight: allowed origins may send JSON and the conversation token."""
    return Response(status_code=204, headers=PREFLIGHT)


@router.get(BASE + "/config", response_model=ChatConfig, summary="What the widget needs first")
async def get_config(
    chat: ChatDep,
    lang: Annotated[str | None, Query(max_length=16, description="the page's language")] = None,
) -> ChatConfig:
    language = pick_language(
        lang, chat.request.headers.get("accept-language"), chat.tenant.default_language
    )
    now = await service.availability(chat.work, chat.tenant, chat.settings)
    return ChatConfig(
        tenant_name=chat.tenant.name,
        language=language,
        texts=dict(texts_for(language)),
        fields=chat.settings.prechat,
        topics=await service.topics(chat.work, chat.tenant, chat.settings),
        open=now.open,
        busy=now.busy,
        estimated_wait_seconds=now.estimated_wait_seconds,
        callbacks=await service.offers_callbacks(chat.work, chat.tenant),
        max_file_bytes=files.MAX_BYTES,
        file_types=list(files.ALLOWED_TYPES),
    )


@router.post(
    BASE + "/identity",
    response_model=VisitorIdentity,
    summary="Whether the site's identity token checks out, so the widget asks nothing again",
)
async def check_identity(chat: ChatDep, body: IdentityIn) -> VisitorIdentity:
    return service.who_is(chat.settings, body.identity)


@router.post(BASE + "/start", response_model=Started, status_code=201, summary="Start a chat")
async def start_chat(chat: ChatDep, body: StartIn) -> Started:
    await chat.count(STARTS)
    started = await service.start(chat.work, chat.tenant, chat.settings, chat.signer, body)
    status = await service.status(chat.work, chat.tenant, started.interaction)
    [message] = await service.present(chat.work, [started.message])
    await chat.work.commit()
    return Started(token=started.token, status=status, message=message)


@router.post(
    BASE + "/leave-message",
    response_model=Received,
    status_code=201,
    summary="Leave a written message instead of chatting (answered by e-mail or phone)",
)
async def leave_message(chat: ChatDep, body: LeaveMessageIn) -> Received:
    await chat.count(WRITTEN)
    await service.leave_message(chat.work, chat.tenant, chat.settings, body)
    await _end_waiting_chat(chat)
    await chat.work.commit()
    return Received()


@router.post(
    BASE + "/callback",
    response_model=Received,
    status_code=201,
    summary="Ask to be called back instead of chatting",
)
async def request_callback(chat: ChatDep, body: CallbackIn) -> Received:
    await chat.count(WRITTEN)
    await service.request_callback(chat.work, chat.tenant, chat.settings, body)
    await _end_waiting_chat(chat)
    await chat.work.commit()
    return Received()


async def _end_waiting_chat(chat: Chat) -> None:
    """A visitor who gave up waiting and wrote instead leaves their chat."""
    conversation = chat.signer.read(chat.tenant, bearer(chat.request))
    if conversation is None:
        return
    try:
        row = await service.open_conversation(chat.work, chat.tenant, conversation)
    except Unauthorized:
        return
    await service.end(chat.work, chat.tenant, row)


# --- the conversation ----------------------------------------------------------------------


@router.get(BASE + "/messages", response_model=History, summary="The chat so far, and its state")
async def get_messages(visitor: VisitorDep) -> History:
    messages = await service.history(visitor.work, visitor.tenant, visitor.interaction)
    status = await service.status(visitor.work, visitor.tenant, visitor.interaction)
    return History(status=status, messages=messages)


@router.post(BASE + "/messages", response_model=VisitorMessage, status_code=201, summary="Write")
async def post_message(visitor: VisitorDep, body: MessageIn) -> VisitorMessage:
    message = await service.write(visitor.work, visitor.tenant, visitor.interaction, body.text)
    [shown] = await service.present(visitor.work, [message])
    await visitor.work.commit()
    return shown


@router.post(BASE + "/typing", status_code=204, summary="The visitor is typing (or stopped)")
async def post_typing(visitor: VisitorDep, body: TypingIn) -> Response:
    signals = get_runtime(visitor.chat.request).bus.signals
    await service.typing(signals, visitor.tenant, visitor.interaction, typing=body.typing)
    return Response(status_code=204)


@router.post(
    BASE + "/files",
    response_model=VisitorMessage,
    status_code=201,
    summary="Send a file (PNG, JPEG, PDF or plain text, up to 10 MB)",
)
async def post_file(visitor: VisitorDep, file: UploadFile) -> VisitorMessage:
    data = await file.read(files.MAX_BYTES + 1)
    if len(data) > files.MAX_BYTES:
        raise files.too_large()
    data_dir = get_runtime(visitor.chat.request).settings.data_dir
    message = await service.send_file(
        visitor.work, visitor.tenant, visitor.interaction, data_dir, file.filename or "", data
    )
    [shown] = await service.present(visitor.work, [message])
    await visitor.work.commit()
    return shown


@router.get(
    BASE + "/files/{file_id}",
    response_class=FileResponse,
    summary="Download a file of the visitor's chat",
)
async def get_file(visitor: VisitorDep, file_id: uuid.UUID) -> FileResponse:
    row = await service.visitor_file(visitor.work, visitor.tenant, visitor.interaction, file_id)
    return download(get_runtime(visitor.chat.request).settings.data_dir, row)


@router.post(BASE + "/end", response_model=Status, summary="The visitor ends the chat")
async def end_chat(visitor: VisitorDep) -> Status:
    await service.end(visitor.work, visitor.tenant, visitor.interaction)
    status = await service.status(visitor.work, visitor.tenant, visitor.interaction)
    await visitor.work.commit()
    return status


@router.websocket(BASE + "/socket")
async def visitor_socket(websocket: WebSocket, tenant: TenantRef) -> None:
    """The visitor's chat live: history, then messages, typing and status (`?token=`)."""
    await socket.serve(websocket, tenant)


# --- settings, for administrators ----------------------------------------------------------


def _embed(request: Request, tenant: Tenant) -> str:
    src = f"{public_root(request)}/static/chat/widget.js"
    return f'<script src="{src}" data-tenant="{tenant.slug}" defer></script>'


def _settings_out(
    request: Request, tenant: Tenant, settings: WebchatSettings, secret: str | None
) -> WebchatOut:
    return WebchatOut(
        **WebchatConfig.model_validate(
            settings.model_dump(exclude={"identity_secret"})
        ).model_dump(),
        identity_secret_set=settings.identity_secret is not None,
        identity_secret=secret,
        embed=_embed(request, tenant),
    )


@admin_router.get(
    "/tenants/{tenant}/webchat", response_model=WebchatOut, summary="The web chat's settings"
)
async def get_webchat(request: Request, ctx: CtxDep) -> WebchatOut:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    return _settings_out(request, ctx.tenant, read_settings(ctx.tenant), None)


@admin_router.put(
    "/tenants/{tenant}/webchat",
    response_model=WebchatOut,
    summary="Set the web chat up: sites allowed, the form, topics, identity secret",
)
async def put_webchat(request: Request, ctx: CtxDep, body: WebchatIn) -> WebchatOut:
    ctx.access.require(Permission.CHANNELS_MANAGE)
    config = WebchatConfig.model_validate(body.model_dump(exclude={"rotate_identity_secret"}))
    made, secret = await save_settings(
        ctx.work, ctx.tenant, config, rotate_secret=body.rotate_identity_secret
    )
    await ctx.work.commit()
    return _settings_out(request, ctx.tenant, made, secret)
