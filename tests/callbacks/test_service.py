"""The due step on its own: a desk holding a snapshot stays exact through a callback coming
due (a case reopened, a call created, queued and offered), and the job is safe to run twice."""

import uuid

from omniline.callbacks import service
from omniline.journal.work import Work
from omniline.models import Tenant
from tests.callbacks.conftest import Center
from tests.realtime.test_snapshot_routing import RoutedScene


async def test_a_due_callback_keeps_the_snapshot_exact_and_runs_once(center: Center) -> None:
    await center.set_up()
    chat = await center.chat()
    made = await center.promise(chat)  # as soon as possible; the test runs the job itself
    done = {"status": "closed", "end_open_contacts": "a callback is promised"}
    await center.ok("PATCH", f"/cases/{chat['case_id']}", json=done)
    scene = RoutedScene(center.runtime, center.world.tenant.id, center.world.users["admin"].id)
    held = await scene.start()

    async def due(work: Work, tenant: Tenant) -> None:
        await service.make_due(work, uuid.UUID(made["id"]))

    held = await scene.change(held, due)
    assert {"case.status_changed", "interaction.created", "interaction.queued"} <= scene.kinds
    assert "interaction.offered" in scene.kinds
    [call] = await center.voice_calls()
    assert held.interactions[uuid.UUID(call["id"])].status == "offered"

    await center.jobs()  # the job itself, later: nothing more happens
    assert len(await center.voice_calls()) == 1
    assert [e["kind"] for e in await center.events("callback.due")] == ["callback.due"]
