"""The event stream of a tenant: a resumable WebSocket, and the same stream as pages.

WebSocket protocol (JSON text frames, server to client):
- without `last_event_id`: first {"type": "snapshot", "last_event_id": N, "data": {...}},
  then {"type": "event", "event": {...}} for every event after N;
- with `last_event_id=K`: the events after K from the database, then live ones;
- {"type": "ping"} after 25 s without events; {"type": "resync"} before closing a client
  that fell too far behind: it reconnects with the id of the last event it got.

An agent's desk connects with `?desk=1`: while such a socket is open (refreshed every 20 s,
kept in the database so every server process sees it) routing offers the agent work; when
the last one closes, or all fall silent past the tenant's desk timeout, the agent goes
`away` and what they were given but never opened goes back to its queue
(`routing/presence.py`).

Client to server: routing commands (accept or decline an offer, set one's state), answered
with {"type": "reply", "ref": ...}; see `omniline.routing.commands`. The caller's access is
checked again for every command, so a revoked token stops working at once.

Typing, which is not an event (never stored): the server sends {"type": "typing",
"interaction_id": ..., "who": "visitor", "typing": true} while a customer types (web chat;
repeated every few seconds while they type: treat it as over after 6 s without one, or on
"typing": false); an agent sends {"type": "typing", "interaction_id": ..., "typing": true,
"ref": ...} the same way and the customer sees the agent's first name typing.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from omniline.api.deps import CtxDep, TenantRef, client_ip
from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.interactions import service as interactions
from omniline.journal.work import Work
from omniline.kit.boundary import INT64_MAX, value_problems, whole_number
from omniline.kit.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from omniline.models import Tenant
from omniline.realtime import service
from omniline.realtime.bus import EventView
from omniline.realtime.hub import Overflowed, Stream
from omniline.realtime.schemas import EventOut, EventsPage
from omniline.realtime.signals import Listening, Signal
from omniline.realtime.snapshot import read_snapshot
from omniline.routing import service as routing
from omniline.routing.commands import run_command

if TYPE_CHECKING:
    from omniline.runtime import Runtime

router = APIRouter(tags=["realtime"])
log = logging.getLogger(__name__)
_T = TypeVar("_T")

HEARTBEAT_SECONDS = 25.0
SESSION_COOKIE = "omniline_session"

# close codes: 4000 + the HTTP status a request would have got
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_RESYNC = 4409


@router.get(
    "/tenants/{tenant}/events",
    response_model=EventsPage,
    summary="The tenant's events after an event id, in order (the WebSocket stream as pages)",
)
async def list_events(
    ctx: CtxDep,
    after: Annotated[
        int, Query(ge=0, le=INT64_MAX, description="the last event id already read")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="page size")] = 100,
) -> EventsPage:
    ctx.access.require(Permission.EVENTS_READ)
    events = await service.list_events(ctx.work.session, ctx.tenant.id, after=after, limit=limit)
    return EventsPage(
        events=[EventOut.of(e) for e in events], next_after=events[-1].seq if events else after
    )


@router.websocket("/tenants/{tenant}/ws")
async def event_socket(websocket: WebSocket, tenant: TenantRef) -> None:
    """Snapshot then live events, or resume after `last_event_id`; token in `?token=`."""
    runtime: Runtime = websocket.app.state.runtime
    await websocket.accept()
    try:
        access = await _access(runtime, websocket, tenant)
        tenant_id = access.tenant.id
        resume_after = _last_event_id(websocket)
        desk = _desk(websocket, access)
        sender = _Sender(websocket)
    except DomainError as exc:
        await websocket.close(_close_code(exc), _reason(exc.message))
        return
    sub = runtime.hub.subscribe(frozenset({tenant_id}))
    listening = runtime.bus.signals.listen(tenant_id)
    try:  # subscribed before reading the starting point: nothing slips between the two
        if desk is not None:  # before the snapshot: it shows the agent as the desk made them
            await desk.open()
        stream = Stream(runtime.hub, tenant_id, sub, last=0)
        if await _start(runtime, websocket, stream, resume_after, sender):
            await _serve(runtime, websocket, stream, sender, tenant, listening, desk)
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.unsubscribe(sub)
        runtime.bus.signals.stop_listening(listening)
        if desk is not None:
            await desk.close()


class _Desk:
    """An agent's desk on this socket: registered while it is open, refreshed by a beat.

    The row lives in the database (`routing.presence`), so routing in any process sees it,
    and a desk whose process dies is noticed by its silence.
    """

    def __init__(self, runtime: "Runtime", access: TenantAccess, user_id: uuid.UUID) -> None:
        self._runtime, self._access, self._user_id = runtime, access, user_id
        self.desk_id: uuid.UUID | None = None

    async def open(self) -> None:
        self.desk_id = await self._step(lambda w: routing.open_desk(w, self._tenant, self._user_id))

    async def beat(self) -> None:
        """Refresh the desk every few seconds while the socket is open."""
        while True:
            await asyncio.sleep(routing.DESK_BEAT_SECONDS)
            if self.desk_id is not None:
                self.desk_id = await self._step(self._beat)

    async def _beat(self, work: Work) -> uuid.UUID:
        assert self.desk_id is not None
        return await routing.beat_desk(work, self._tenant, self._user_id, self.desk_id)

    async def close(self) -> None:
        desk_id, self.desk_id = self.desk_id, None
        if desk_id is None:
            return
        try:
            await self._step(lambda w: routing.close_desk(w, self._tenant, self._user_id, desk_id))
        except Exception:  # the desk falls silent instead: a pass lets the agent go then
            log.exception("realtime: closing desk %s failed", desk_id)

    @property
    def _tenant(self) -> Tenant:
        return self._access.tenant

    async def _step(self, act: Callable[[Work], Awaitable[_T]]) -> _T:
        work = self._runtime.work(self._access.actor)
        try:
            result = await act(work)
            await work.commit()
            return result
        finally:
            await work.session.close()


def _desk(websocket: WebSocket, access: TenantAccess) -> _Desk | None:
    """`?desk=1`: this socket is an agent's desk, and the agent gets work while it is open."""
    if websocket.query_params.get("desk") not in ("1", "true"):
        return None
    access.require(Permission.INTERACTIONS_WRITE)
    user_id = access.actor.user_id
    if user_id is None:
        raise InvalidInput("only a person has a desk; this token is an API token")
    runtime: Runtime = websocket.app.state.runtime
    return _Desk(runtime, access, user_id)


class _Sender:
    """One writer at a time on the socket: events and command replies come from two tasks."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self._websocket.send_json(frame)


async def _access(runtime: "Runtime", websocket: WebSocket, tenant: str) -> TenantAccess:
    token = _token(websocket)
    ip = client_ip(websocket)
    return await service.access_stream(runtime.sessions, token, tenant, ip)


def _token(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token")
    if not token:
        token = websocket.cookies.get(SESSION_COOKIE)
        if token and not _same_origin(websocket):
            raise Forbidden("a session cookie is only accepted from this site's own pages")
    if not token:
        raise Unauthorized("log in, or pass the token as ?token=<token>")
    return token


def _same_origin(websocket: WebSocket) -> bool:
    """A cookie rides along on cross-site sockets too; only our own pages may use it."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return origin.split("://", 1)[-1].rstrip("/") == websocket.headers.get("host")


def _last_event_id(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("last_event_id")
    if raw is None or raw == "":
        return None
    number = whole_number(raw) if raw.isascii() and raw.isdigit() else None
    if number is None:
        raise InvalidInput(f"last_event_id must be a whole number >= 0, not '{raw[:20]}'")
    return number


def _close_code(exc: DomainError) -> int:
    codes = {
        Unauthorized: CLOSE_UNAUTHORIZED,
        Forbidden: CLOSE_FORBIDDEN,
        NotFound: CLOSE_NOT_FOUND,
    }
    return next((c for t, c in codes.items() if isinstance(exc, t)), CLOSE_BAD_REQUEST)


def _reason(message: str) -> str:
    """A close reason fits in 123 bytes."""
    encoded = message.encode()
    return message if len(encoded) <= 123 else encoded[:120].decode(errors="ignore") + "..."


async def _start(
    runtime: "Runtime",
    websocket: WebSocket,
    stream: Stream,
    resume_after: int | None,
    sender: _Sender,
) -> bool:
    """Send the starting point: a snapshot, or the stored events after `resume_after`."""
    if resume_after is None:
        snapshot = await read_snapshot(runtime.sessions, stream.tenant_id)
        stream.last = snapshot.last_event_id
        await sender.send(
            {"type": "snapshot", "last_event_id": stream.last, "data": snapshot.data_json()}
        )
        return True
    newest = await runtime.hub.head(stream.tenant_id)
    if resume_after > newest:
        message = (
            f"last_event_id {resume_after} is ahead of the stream (newest is {newest}): "
            "connect without it for a fresh snapshot"
        )
        await websocket.close(CLOSE_BAD_REQUEST, _reason(message))
        return False
    stream.last = resume_after
    while page := await stream.catch_up():
        await _send_events(sender, page)
    return True


async def _serve(
    runtime: "Runtime",
    websocket: WebSocket,
    stream: Stream,
    sender: _Sender,
    tenant: str,
    listening: Listening,
    desk: _Desk | None,
) -> None:
    """Send live events and answer commands until the client leaves or falls behind."""
    reader = asyncio.create_task(_read_commands(runtime, websocket, sender, tenant))
    guard = _Guard(runtime, websocket, tenant, await runtime.token_cache.epoch.current())
    writer = asyncio.create_task(_write(websocket, stream, sender, guard))
    relay = asyncio.create_task(_relay_typing(listening, sender))
    tasks = {reader, writer, relay}
    if desk is not None:
        tasks.add(asyncio.create_task(desk.beat()))
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await task
    for task in done:
        task.result()


async def _read_commands(
    runtime: "Runtime", websocket: WebSocket, sender: _Sender, tenant: str
) -> None:
    """Answer the client's commands; reading is also how a closed socket is noticed."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        ref: Any = None
        try:
            frame = _frame(message)
            ref = frame.get("ref")
            _check_storable(frame)
            access = await _access(runtime, websocket, tenant)
            work = runtime.work(access.actor)
            try:
                if frame.get("type") == "typing":
                    result = await _typing(runtime, work, access, frame)
                else:
                    result = await run_command(work, access, frame)
            finally:
                await work.session.close()
            await sender.send({"type": "reply", "ref": ref, "ok": True, "result": result})
        except DomainError as exc:
            error = {"code": exc.code, "message": exc.message}
            await sender.send({"type": "reply", "ref": ref, "ok": False, "error": error})


async def _typing(
    runtime: "Runtime", work: Work, access: TenantAccess, frame: dict[str, Any]
) -> dict[str, Any]:
    """An agent types in a conversation: the customer sees their first name typing."""
    access.require(Permission.MESSAGES_SEND)
    try:
        interaction_id = uuid.UUID(str(frame.get("interaction_id")))
    except ValueError:
        raise InvalidInput("interaction_id must be an id") from None
    await interactions.get_interaction_or_raise(work, access.tenant, interaction_id)
    user = access.principal.user
    name = user.name.split()[0] if user is not None and user.name.split() else ""
    typing = frame.get("typing", True) is not False
    data = {"typing": typing, "name": name}
    signal = Signal(access.tenant.id, interaction_id, "typing", "agent", data)
    await runtime.bus.signals.publish(signal)
    return {"typing": typing}


async def _relay_typing(listening: Listening, sender: _Sender) -> None:
    """Tell staff when a customer types (their own typing goes the other way only)."""
    while True:
        signal = await listening.queue.get()
        if signal.kind == "typing" and signal.who == "visitor":
            await sender.send(
                {
                    "type": "typing",
                    "interaction_id": str(signal.interaction_id),
                    "who": "visitor",
                    "typing": bool(signal.data.get("typing", True)),
                }
            )


def _frame(message: "MutableMapping[str, Any]") -> dict[str, Any]:
    text = message.get("text")
    if text is None:
        raise InvalidInput("send commands as JSON text frames")
    try:
        frame = json.loads(text)
    except ValueError:
        raise InvalidInput("a command must be a JSON object") from None
    if not isinstance(frame, dict):
        raise InvalidInput("a command must be a JSON object")
    return frame


def _check_storable(frame: dict[str, Any]) -> None:
    """The boundary check of `kit.boundary`, for a command (HTTP requests get it app-wide)."""
    for loc, problem in value_problems(frame, ()):
        raise InvalidInput(f"{'.'.join(map(str, loc))}: {problem}")


class _Guard:
    """Ends a stream whose caller lost access (a session or token revoked, a member removed):
    before anything is sent, a changed revocation epoch means checking the access again."""

    def __init__(self, runtime: "Runtime", websocket: WebSocket, tenant: str, epoch: int) -> None:
        self.runtime = runtime
        self.websocket = websocket
        self.tenant = tenant
        self.epoch = epoch

    async def allows(self) -> bool:
        """Whether the caller may still be sent events (the socket is closed if not)."""
        now = await self.runtime.token_cache.epoch.current()
        if now == self.epoch:
            return True
        try:
            await _access(self.runtime, self.websocket, self.tenant)
        except DomainError as exc:
            await self.websocket.close(_close_code(exc), _reason(exc.message))
            return False
        self.epoch = now
        return True


async def _write(websocket: WebSocket, stream: Stream, sender: _Sender, guard: _Guard) -> None:
    while True:
        try:
            events = await stream.next(HEARTBEAT_SECONDS)
        except Overflowed as exc:
            await sender.send({"type": "resync", "last_event_id": stream.last})
            await websocket.close(CLOSE_RESYNC, _reason(f"{exc}: resume with last_event_id"))
            return
        if not await guard.allows():
            return
        if events is None:
            await sender.send({"type": "ping"})
        else:
            await _send_events(sender, events)


async def _send_events(sender: _Sender, events: list[EventView]) -> None:
    for event in events:
        await sender.send({"type": "event", "event": event.to_json()})
