"""A tenant's audit chain to check."""

import pytest

from omniline.journal.actor import Actor, ActorType
from omniline.kit.ids import new_id
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant


@pytest.fixture
async def stream(runtime: Runtime) -> str:
    """The chain of a tenant with six entries, written over three commits."""
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    await work.commit()
    await work.session.close()
    actor = Actor(ActorType.USER, new_id(), "203.0.113.7")
    for batch in (["case.updated", "case.status_changed"], ["customer.created"] * 3):
        work = runtime.work(actor)
        for n, action in enumerate(batch):
            work.audit(tenant.id, action, "case", new_id(), {"n": n, "note": "zażółć", "x": 1.5})
        await work.commit()
        await work.session.close()
    return str(tenant.id)
