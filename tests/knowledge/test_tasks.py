"""The knowledge job: `knowledge.reindex` analyses a tenant's published articles again (the
migration that changed the Russian and Polish stems queues it)."""

import uuid

import httpx

from omniline.knowledge import index
from omniline.models import Article
from omniline.runtime import Runtime
from tests.conftest import World

T = "/api/v1/tenants/acme"


async def test_reindex_puts_the_published_articles_back(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    made = await client.post(
        f"{T}/articles", json={"title": "Jak odblokować kartę", "body": "<p>W oddziale.</p>",
                               "language": "pl"},
        headers=world.auth("supervisor"),
    )  # fmt: skip
    await client.post(f"{T}/articles/{made.json()['id']}/publish", headers=world.auth("supervisor"))
    work = runtime.work()
    row = await work.session.get_one(Article, uuid.UUID(made.json()["id"]))
    await index.remove(work.session, row)  # as if indexed with terms no query makes any more
    work.enqueue("knowledge.reindex", {"tenant_id": world.tenant.id})
    await work.commit()
    await work.session.close()
    search = {"q": "zablokowana karta", "language": "pl"}
    missed = await client.get(f"{T}/knowledge/search", params=search, headers=world.auth("agent"))
    assert missed.json()["results"] == []
    while await runtime.worker.run_due():
        pass
    found = await client.get(f"{T}/knowledge/search", params=search, headers=world.auth("agent"))
    assert [r["title"] for r in found.json()["results"]] == ["Jak odblokować kartę"]
