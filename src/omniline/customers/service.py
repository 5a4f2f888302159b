"""Resolve identities to one customer per tenant; read and change customers."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from omniline.customers import repository
from omniline.customers.identities import IdentityKind, normalize, parse_kind
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import Customer, CustomerIdentity, Tenant

get_customer = repository.get_customer
identities_of = repository.identities_of
list_customers = repository.list_customers


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """An identity as a channel reports it, before normalisation."""

    kind: str
    value: str


def normalize_claims(
    tenant: Tenant, claims: Sequence[IdentityClaim]
) -> list[tuple[IdentityKind, str]]:
    """Normalise and de-duplicate claimed identities, keeping their order."""
    seen: list[tuple[IdentityKind, str]] = []
    for claim in claims:
        kind = parse_kind(claim.kind)
        item = (kind, normalize(kind, claim.value, tenant.default_region))
        if item not in seen:
            seen.append(item)
    return seen


async def get_customer_or_raise(work: Work, tenant: Tenant, customer_id: uuid.UUID) -> Customer:
    """A customer of the tenant, or 404."""
    customer = await repository.get_customer(work.session, tenant.id, customer_id)
    if customer is None:
        raise NotFound("customer not found")
    return customer


async def resolve_customer(
    work: Work, tenant: Tenant, claims: Sequence[IdentityClaim], *, display_name: str = ""
) -> tuple[Customer, bool]:
    """The customer these identities belong to, created if none is known; (customer, created).

    The first known identity decides; identities not yet known are attached to that customer.
    An identity already held by another customer is left there: joining two customers is a
    merge, which a person decides.
    """
    identities = normalize_claims(tenant, claims)
    if not identities:
        raise InvalidInput("at least one identity of the sender is needed")
    known = [await repository.find_identity(work.session, tenant.id, k, v) for k, v in identities]
    owner_id = next((row.customer_id for row in known if row is not None), None)
    created = owner_id is None
    if owner_id is None:
        customer = Customer(id=new_id(), tenant_id=tenant.id, display_name=display_name[:200])
        work.session.add(customer)
        await work.session.flush()
    else:
        found = await repository.get_customer(work.session, tenant.id, owner_id)
        assert found is not None
        customer = found
        if display_name and not customer.display_name:
            customer.display_name = display_name[:200]
    for (kind, value), row in zip(identities, known, strict=True):
        if row is None:
            customer = await _claim_identity(work, tenant, customer, kind, value)
    if created:
        work.emit(
            tenant.id,
            "customer.created",
            {"display_name": customer.display_name},
            customer_id=customer.id,
        )
        work.audit(tenant.id, "customer.created", "customer", customer.id)
    return customer, created


async def _claim_identity(
    work: Work, tenant: Tenant, customer: Customer, kind: IdentityKind, value: str
) -> Customer:
    """Attach an identity; if another transaction took it first, keep theirs."""
    try:
        async with work.session.begin_nested():
            work.session.add(
                CustomerIdentity(
                    id=new_id(),
                    tenant_id=tenant.id,
                    customer_id=customer.id,
                    kind=kind,
                    value=value,
                )
            )
    except IntegrityError:
        row = await repository.find_identity(work.session, tenant.id, kind, value)
        if row is None:
            raise
    return customer


async def add_identity(
    work: Work, tenant: Tenant, customer: Customer, claim: IdentityClaim
) -> CustomerIdentity:
    """Add an identity to a customer; 409 if another customer holds it."""
    [(kind, value)] = normalize_claims(tenant, [claim])
    row = await repository.find_identity(work.session, tenant.id, kind, value)
    if row is not None:
        if row.customer_id == customer.id:
            return row
        raise Conflict("another customer has this identity: merge the two customers instead")
    row = CustomerIdentity(
        id=new_id(), tenant_id=tenant.id, customer_id=customer.id, kind=kind, value=value
    )
    work.session.add(row)
    customer.updated_at = utcnow()
    work.emit(tenant.id, "customer.identity_added", {"kind": kind}, customer_id=customer.id)
    work.audit(tenant.id, "customer.identity_added", "customer", customer.id, {"kind": kind})
    return row
