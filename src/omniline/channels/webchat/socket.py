"""The visitor's WebSocket: their chat live, from the tenant's event stream.

Server to visitor (JSON text frames):
- first {"type": "hello", "status": {...}, "messages": [...]}: the chat so far;
- {"type": "message", "message": {...}} for each new message that is not an internal note
  (the visitor's own included, so that their other tabs follow);
- {"type": "status", "status": {...}} when it changes: waiting (place in the queue and the
  expected wait), connecting, active (the agent's first name), ended;
- {"type": "typing", "typing": true, "name": "Anna"} while an agent types;
- {"type": "ping"} after 25 s of quiet.

Visitor to server: {"type": "typing", "typing": true}. The socket subscribes before it
reads the history, so no message falls between the two (the widget drops duplicates by id).
"""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import WebSocket, WebSocketDisconnect

from omniline.channels.webchat import service
from omniline.channels.webchat.access import check_origin, open_chat, own_origin
from omniline.channels.webchat.tokens import Conversation, ConversationSigner
from omniline.interactions import service as interactions
from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.kit.boundary import value_problems
from omniline.kit.errors import DomainError, Forbidden, NotFound, Unauthorized
from omniline.models import Interaction, Message, Tenant
from omniline.realtime.bus import EventView
from omniline.realtime.hub import Subscription
from omniline.realtime.signals import Listening, Signal

if TYPE_CHECKING:
    from omniline.runtime import Runtime

HEARTBEAT_SECONDS = 25.0
REFRESH_SECONDS = 10.0  # a waiting visitor's place and wait are worked out again this often
TYPING_EVERY = 1.0  # the visitor's typing is passed on at most this often
# events after which the place of every contact waiting behind may have changed
QUEUE_MOVES = frozenset(
    {
        "interaction.queued",
        "interaction.requeued",
        "interaction.offered",
        "interaction.answered",
        "interaction.transferred",
        "interaction.ended",
    }
)
CLOSE_CODES = {Unauthorized: 4401, Forbidden: 4403, NotFound: 4404}
CLOSE_RESYNC = 4409


async def serve(websocket: WebSocket, tenant_ref: str) -> None:
    """Serve one visitor until they leave."""
    runtime: Runtime = websocket.app.state.runtime
    await websocket.accept()
    try:
        async with _session(runtime) as work:
            tenant, settings = await open_chat(work, tenant_ref)
            own = own_origin(websocket.url.scheme, websocket.headers.get("host"))
            check_origin(websocket.headers.get("origin"), settings, own)
            token = websocket.query_params.get("token", "")
            conversation = ConversationSigner(runtime.settings.secret_key).read(tenant, token)
            if conversation is None:
                raise Unauthorized("the chat token is not valid: start a new chat")
            await service.open_conversation(work, tenant, conversation)
    except DomainError as exc:
        code = next((c for t, c in CLOSE_CODES.items() if isinstance(exc, t)), 4400)
        await websocket.close(code, exc.message[:120])
        return
    visitor = _VisitorSocket(runtime, websocket, tenant.id, conversation)
    sub = runtime.hub.subscribe(frozenset({tenant.id}))
    listening = runtime.bus.signals.listen(tenant.id)
    try:
        await visitor.run(sub, listening)
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.unsubscribe(sub)
        runtime.bus.signals.stop_listening(listening)


@asynccontextmanager
async def _session(runtime: "Runtime", actor: Actor | None = None) -> AsyncIterator[Work]:
    work = runtime.work(actor) if actor is not None else runtime.work()
    try:
        yield work
    finally:
        await work.session.close()


class _VisitorSocket:
    def __init__(
        self,
        runtime: "Runtime",
        websocket: WebSocket,
        tenant_id: uuid.UUID,
        conversation: Conversation,
    ) -> None:
        self.runtime = runtime
        self.websocket = websocket
        self.tenant_id = tenant_id
        self.interaction_id = conversation.interaction_id
        self.actor = Actor(ActorType.CUSTOMER, conversation.customer_id)
        self.lock = asyncio.Lock()
        self.status: dict[str, Any] | None = None
        self.stale = False
        self.refreshed = 0.0
        self.last_sent = time.monotonic()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_json(frame)
            self.last_sent = time.monotonic()

    @property
    def waiting(self) -> bool:
        return self.status is not None and self.status["state"] in ("waiting", "connecting")

    async def run(self, sub: Subscription, listening: Listening) -> None:
        """Hello, then events, signals and the visitor's frames until one side stops."""
        await self.hello()
        tasks = {
            asyncio.create_task(self.follow_events(sub)),
            asyncio.create_task(self.follow_signals(listening)),
            asyncio.create_task(self.read_frames()),
        }
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
        for task in done:
            task.result()

    @asynccontextmanager
    async def _chat(self) -> AsyncIterator[tuple[Work, Tenant, Interaction]]:
        async with _session(self.runtime, self.actor) as work:
            tenant = await work.session.get(Tenant, self.tenant_id)
            row = await interactions.get_interaction(
                work.session, self.tenant_id, self.interaction_id
            )
            if tenant is None or row is None:
                raise WebSocketDisconnect(4404)
            yield work, tenant, row

    async def hello(self) -> None:
        async with self._chat() as (work, tenant, row):
            messages = await service.history(work, tenant, row)
            status = await service.status(work, tenant, row)
        self.status = status.model_dump(mode="json")
        self.refreshed = time.monotonic()
        await self.send(
            {
                "type": "hello",
                "status": self.status,
                "messages": [m.model_dump(mode="json") for m in messages],
            }
        )

    async def refresh(self) -> None:
        """Send the status again if it changed."""
        self.stale, self.refreshed = False, time.monotonic()
        async with self._chat() as (work, tenant, row):
            status = (await service.status(work, tenant, row)).model_dump(mode="json")
        if status != self.status:
            self.status = status
            await self.send({"type": "status", "status": status})

    def _timeout(self) -> float:
        now = time.monotonic()
        if self.stale:
            return max(self.refreshed + 1.0 - now, 0.0)
        if self.waiting:
            return max(self.refreshed + REFRESH_SECONDS - now, 0.0)
        return max(self.last_sent + HEARTBEAT_SECONDS - now, 0.0)

    async def follow_events(self, sub: Subscription) -> None:
        while True:
            try:
                event = await asyncio.wait_for(sub.queue.get(), self._timeout())
            except TimeoutError:
                await self._idle()
                continue
            if event is None:  # fell behind: the widget reconnects and gets the history again
                await self.websocket.close(CLOSE_RESYNC, "reconnect")
                return
            await self.on_event(event)

    async def _idle(self) -> None:
        if self.stale or self.waiting:
            await self.refresh()
        elif time.monotonic() - self.last_sent >= HEARTBEAT_SECONDS:
            await self.send({"type": "ping"})

    async def on_event(self, event: EventView) -> None:
        if event.interaction_id == self.interaction_id:
            if event.kind == "message.created" and not event.data.get("internal"):
                await self.send_message(uuid.UUID(str(event.data["message_id"])))
            elif event.kind.startswith("interaction."):
                await self.refresh()
        elif self.waiting and event.kind in QUEUE_MOVES:
            # others moving in the queue change this visitor's place: at most once a second
            if time.monotonic() - self.refreshed >= 1.0:
                await self.refresh()
            else:
                self.stale = True

    async def send_message(self, message_id: uuid.UUID) -> None:
        async with self._chat() as (work, _, row):
            message = await work.session.get(Message, message_id)
            if message is None or message.interaction_id != row.id or message.internal:
                return
            [shown] = await service.present(work, [message])
        await self.send({"type": "message", "message": shown.model_dump(mode="json")})

    async def follow_signals(self, listening: Listening) -> None:
        while True:
            signal: Signal = await listening.queue.get()
            if (
                signal.interaction_id == self.interaction_id
                and signal.kind == "typing"
                and signal.who == "agent"
            ):
                data = signal.data
                await self.send(
                    {
                        "type": "typing",
                        "typing": bool(data.get("typing", True)),
                        "name": str(data.get("name") or ""),
                    }
                )

    async def read_frames(self) -> None:
        """The visitor's typing; reading is also how a closed socket is noticed."""
        passed_on = 0.0
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            frame = _frame(message.get("text"))
            if frame.get("type") != "typing":
                continue
            typing = frame.get("typing", True) is not False
            if typing and time.monotonic() - passed_on < TYPING_EVERY:
                continue
            passed_on = time.monotonic()
            signal = Signal(
                self.tenant_id, self.interaction_id, "typing", "visitor", {"typing": typing}
            )
            await self.runtime.bus.signals.publish(signal)


def _frame(text: str | None) -> dict[str, Any]:
    try:
        frame = json.loads(text or "")
    except ValueError:
        return {}
    if not isinstance(frame, dict) or next(value_problems(frame, ()), None):
        return {}  # a frame that could not be stored is no frame (the visitor only types)
    return frame
