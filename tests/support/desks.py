"""Agents' desks for tests that do not need a real socket: the calls the desk's WebSocket
makes (`realtime/endpoints.py: _Desk`), on the real service and database."""

import uuid

from omniline.journal.actor import Actor, ActorType
from omniline.models import Tenant
from omniline.routing import service as routing
from omniline.runtime import Runtime


class Desks:
    """Desks a test opened; `beat` is the heartbeat every open socket sends."""

    def __init__(self, runtime: Runtime, tenant: Tenant) -> None:
        self.runtime, self.tenant = runtime, tenant
        self.open_desks: dict[uuid.UUID, uuid.UUID] = {}  # desk id -> agent

    async def open(self, user_id: uuid.UUID) -> uuid.UUID:
        """The agent opens the desk page; returns the desk's id."""
        work = self.runtime.work(Actor(ActorType.USER, user_id))
        try:
            desk_id = await routing.open_desk(work, self.tenant, user_id)
            await work.commit()
        finally:
            await work.session.close()
        self.open_desks[desk_id] = user_id
        await self.runtime.router.settle()
        return desk_id

    async def beat(self) -> None:
        """Every open desk says it is still there (at the clock's now)."""
        for desk_id, user_id in list(self.open_desks.items()):
            work = self.runtime.work(Actor(ActorType.USER, user_id))
            try:
                now_id = await routing.beat_desk(work, self.tenant, user_id, desk_id)
                await work.commit()
            finally:
                await work.session.close()
            if now_id != desk_id:
                del self.open_desks[desk_id]
                self.open_desks[now_id] = user_id

    async def close(self, desk_id: uuid.UUID) -> None:
        """The desk's socket closes."""
        user_id = self.open_desks.pop(desk_id)
        work = self.runtime.work(Actor(ActorType.USER, user_id))
        try:
            await routing.close_desk(work, self.tenant, user_id, desk_id)
            await work.commit()
        finally:
            await work.session.close()
        await self.runtime.router.settle()

    def forget(self, desk_id: uuid.UUID) -> None:
        """The desk's process dies: nobody beats for it or closes it any more."""
        del self.open_desks[desk_id]
