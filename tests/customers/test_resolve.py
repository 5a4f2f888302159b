"""resolve_customer: only channel and verified claims find a customer; typed claims never do
(H1, fixed at the root: every form and channel goes through here)."""

import pytest
from sqlalchemy import select

from omniline.channels.base import InboundMessage
from omniline.customers.service import Assurance, IdentityClaim, resolve_customer
from omniline.inbound.batch import accept_many
from omniline.kit.errors import InvalidInput
from omniline.models import CustomerIdentity, MergeSuggestion, Tenant
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

TYPED, VERIFIED = Assurance.TYPED, Assurance.VERIFIED


async def test_typed_claims_never_find_select_or_change_a_customer(runtime: Runtime) -> None:
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme", default_region="GB")
    ann, made = await resolve_customer(work, tenant, [IdentityClaim("email", "ann@example.com")])
    assert made
    typed = [
        IdentityClaim("email", "ANN@example.com", TYPED),
        IdentityClaim("phone", "020 7946 0018", TYPED),
    ]
    stranger, made = await resolve_customer(work, tenant, typed)
    assert made
    assert stranger.id != ann.id
    again, made = await resolve_customer(work, tenant, typed)  # typed twice: still nobody's
    assert made
    assert again.id not in (ann.id, stranger.id)
    # a channel claim finds the holder, never someone who only typed the value
    found, made = await resolve_customer(work, tenant, [IdentityClaim("phone", "+442079460018")])
    assert made
    assert found.id not in (stranger.id, again.id)
    signed, made = await resolve_customer(
        work, tenant, [IdentityClaim("email", "ann@example.com", VERIFIED)]
    )
    assert not made
    assert signed.id == ann.id
    await work.commit()
    rows = list(await work.session.scalars(select(CustomerIdentity)))
    held = {(r.customer_id, r.kind, r.typed, r.verified) for r in rows}
    assert (ann.id, "email", False, True) in held  # the signed address is verified now
    assert {r.kind for r in rows if r.customer_id == ann.id} == {"email"}  # nothing attached
    assert {(r.kind, r.typed) for r in rows if r.customer_id == stranger.id} == {
        ("email", True),
        ("phone", True),
    }
    suggested = {(s.customer_id, s.candidate_id) for s in await work.session.scalars(
        select(MergeSuggestion))}  # fmt: skip
    assert suggested == {(stranger.id, ann.id), (again.id, ann.id)}
    await work.session.close()


async def test_the_batch_path_leaves_typed_claims_to_resolve_customer(runtime: Runtime) -> None:
    work = runtime.work()
    tenant = await create_tenant(work, slug="acme", name="Acme")
    await work.commit()
    tenant_id = tenant.id
    await work.session.close()
    work = runtime.work()
    try:
        row = await work.session.get_one(Tenant, tenant_id)
        message = InboundMessage(
            channel="webform", external_id="m1", body="hi",
            sender=[IdentityClaim("email", "ann@example.com", TYPED)],
        )  # fmt: skip
        with pytest.raises(InvalidInput, match="one message at a time"):
            await accept_many(work, row, [message])  # the ingestor falls back to one by one
    finally:
        await work.rollback()
        await work.session.close()
