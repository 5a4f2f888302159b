"""Everything a running installation holds: settings, database, bus, hub, worker, channels."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omniline.audit.keys import load_audit_key
from omniline.auth.cache import TokenAccessCache, epoch_for
from omniline.channels.defaults import default_registry
from omniline.channels.registry import ChannelRegistry
from omniline.config import Settings
from omniline.inbound.ingestor import Ingestor
from omniline.jobs.handlers import job_handlers
from omniline.jobs.worker import Worker
from omniline.journal.actor import SYSTEM, Actor
from omniline.journal.hashing import AuditKey
from omniline.journal.work import Work
from omniline.kit.db import make_engine, make_sessionmaker
from omniline.models import Event
from omniline.realtime.bus import Bus, EventView, LocalBus, RedisBus
from omniline.realtime.hub import Hub
from omniline.routing.runner import TICK_JOB, Router, triggers


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    hub: Hub
    channels: ChannelRegistry
    worker: Worker
    audit_key: AuditKey
    ingestor: Ingestor = field(init=False)
    router: Router = field(init=False)
    token_cache: TokenAccessCache = field(default_factory=TokenAccessCache)

    @classmethod
    def build(cls, settings: Settings, channels: ChannelRegistry | None = None) -> "Runtime":
        """Wire the parts the settings ask for (nothing starts yet)."""
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.db_url, synchronous=settings.sqlite_synchronous)
        sessions = make_sessionmaker(engine)
        bus: Bus = RedisBus(settings.redis_url) if settings.redis_url else LocalBus()
        channels = channels or default_registry(settings.egress)
        worker = Worker(sessions, {}, poll_seconds=settings.worker_poll_seconds)
        key = load_audit_key(settings)
        runtime = cls(settings, engine, sessions, bus, Hub(sessions), channels, worker, key)
        runtime.token_cache = TokenAccessCache(epoch=epoch_for(settings.redis_url))
        runtime.router = Router(partial(runtime.work, route=False))
        handlers = job_handlers(sessions, runtime.work, channels, settings.secret_key)
        handlers[TICK_JOB] = runtime.router.tick
        worker.set_handlers(handlers)
        runtime.ingestor = Ingestor(runtime.work)
        return runtime

    def work(self, actor: Actor = SYSTEM, *, route: bool = True) -> Work:
        """A new unit of work whose commit notifies listeners and the worker, and (unless it
        is a routing pass itself) pokes routing when its events may change who handles what."""
        after = partial(self._after_commit, route=route)
        return Work(self.sessions(), actor, after, self.audit_key)

    async def _after_commit(self, events: Sequence[Event], had_jobs: bool, *, route: bool) -> None:
        if events:
            await self.bus.publish([EventView.of(e) for e in events])
            if route:
                self.router.poke({e.tenant_id for e in events if triggers(e.kind)})
        if had_jobs:
            self.worker.wake()

    async def start(self, *, worker: bool) -> None:
        """Connect the bus to the hub and, if asked, run the job worker in this process."""
        await self.bus.start(self.hub.dispatch)
        if worker:
            self.worker.start()
        await self.router.poke_all()

    async def stop(self) -> None:
        """Stop taking messages, then the worker, the bus and the database pool."""
        await self.ingestor.stop()
        await self.router.stop()
        await self.worker.stop()
        await self.bus.close()
        await self.token_cache.epoch.close()
        await self.engine.dispose()
