"""Resolve identities to one customer per tenant; read and change customers."""

import uuid
from collections import defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.customers import repository
from omniline.customers.identities import (
    SENSITIVE_KINDS,
    IdentityKind,
    mask,
    normalize,
    parse_kind,
)
from omniline.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    Document,
    IdentityOut,
    PiiField,
)
from omniline.customers.suggestions import suggest_merge
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput, NotFound
from omniline.kit.ids import new_id
from omniline.models import Customer, CustomerIdentity, Tenant

get_customer = repository.get_customer
get_customers = repository.get_customers
find_identities = repository.find_identities
identities_of = repository.identities_of
list_customers = repository.list_customers
merges_of = repository.merges_of

MASKED = "***"
# the permission that lets a caller read each kind of sensitive personal data
PII_READ = {
    PiiField.EMAIL: Permission.PII_EMAIL_READ,
    PiiField.PHONE: Permission.PII_PHONE_READ,
    PiiField.ADDRESS: Permission.PII_ADDRESS_READ,
    PiiField.DOCUMENTS: Permission.PII_DOCUMENTS_READ,
}
_PII_COLUMNS = frozenset({"address", "documents"})
_NOT_NULL = frozenset({"display_name", "vip", "notes", "documents"})
_SENSITIVE = {str(kind): pii for kind, pii in SENSITIVE_KINDS.items()}


class Assurance(StrEnum):
    """How far a claimed identity is known to be the sender's."""

    TYPED = "typed"  # typed on a form: where to answer, never who someone is
    CHANNEL = "channel"  # the channel carried the message from it (an e-mail's sender ...)
    VERIFIED = "verified"  # proven: signed by the tenant's site, or a code sent to it came back


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """An identity as a channel reports it, before normalisation."""

    kind: str
    value: str
    assurance: Assurance = Assurance.CHANNEL


def typed_claims(email: str, phone: str) -> list[IdentityClaim]:
    """What a visitor typed on a form as claims that select no one (empty values left out)."""
    pairs = (("email", email.strip()), ("phone", phone.strip()))
    return [IdentityClaim(kind, value, Assurance.TYPED) for kind, value in pairs if value]


def _normalize(tenant: Tenant, claims: Sequence[IdentityClaim]) -> list[tuple[IdentityKind, str]]:
    """Normalise and de-duplicate claimed identities, keeping their order."""
    seen: list[tuple[IdentityKind, str]] = []
    for claim in claims:
        kind = parse_kind(claim.kind)
        item = (kind, normalize(kind, claim.value, tenant.default_region))
        if item not in seen:
            seen.append(item)
    return seen


def normalize_claims(
    tenant: Tenant, claims: Sequence[IdentityClaim]
) -> list[tuple[IdentityKind, str]]:
    """Normalised channel claims, the kind any identity may be matched on; a 422 for typed
    or verified ones, which only `resolve_customer` handles (a batch falls back to it)."""
    if any(c.assurance is not Assurance.CHANNEL for c in claims):
        raise InvalidInput("typed or verified identities are resolved one message at a time")
    return _normalize(tenant, claims)


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

    Only channel and verified claims decide: the first known one picks the customer, and the
    others not yet known are attached to it. Typed claims never pick, reveal or change an
    existing customer: they go to the customer the other claims found, or to a new one, as
    typed identities (where to answer); when another customer holds such a value, that is
    recorded as a suggestion for an agent to confirm or dismiss (`suggest_merge`).
    An identity already held by another customer is left there: joining two customers is a
    merge, which a person decides. When two transactions meet the same new sender at once,
    one creates the customer and the other finds it (PostgreSQL; SQLite has one writer).
    """
    anchors = [c for c in claims if c.assurance is not Assurance.TYPED]
    typed = _normalize(tenant, [c for c in claims if c.assurance is Assurance.TYPED])
    if anchors:
        customer, created = await _resolve_anchors(work, tenant, anchors, display_name)
    elif typed:
        customer, created = _new_visitor(work, tenant, display_name), True
    else:
        raise InvalidInput("at least one identity of the sender is needed")
    await _attach_typed(work, tenant, customer, typed)
    return customer, created


def _new_visitor(work: Work, tenant: Tenant, display_name: str) -> Customer:
    """A customer of their own for a visitor who only typed who they are."""
    customer, _ = new_customer(work, tenant, [], display_name)
    return customer


async def _resolve_anchors(
    work: Work, tenant: Tenant, claims: Sequence[IdentityClaim], display_name: str
) -> tuple[Customer, bool]:
    identities = _normalize(tenant, claims)
    proven = set(_normalize(tenant, [c for c in claims if c.assurance is Assurance.VERIFIED]))
    for _ in range(3):
        known = await repository.find_identities(work.session, tenant.id, identities)
        owner = next((known[i] for i in identities if i in known), None)
        if owner is not None:
            customer = await _known_customer(work, tenant, owner.customer_id, display_name)
            for kind, value in (i for i in identities if i not in known):
                await _attach(work, tenant, customer, kind, value, verified=(kind, value) in proven)
            mine = [r for i, r in known.items() if i in proven and r.customer_id == customer.id]
            _mark_verified(work, tenant, mine)
            return customer, False
        created = await _create_customer(work, tenant, identities, display_name, proven)
        if created is not None:
            return created, True
    raise Conflict("the sender's identities changed hands while they were read: send again")


def _mark_verified(work: Work, tenant: Tenant, rows: Sequence[CustomerIdentity]) -> None:
    """Proof came with identities already on file: they are verified from now on."""
    for row in rows:
        if not row.verified:
            row.verified = True
            kind = {"kind": row.kind}
            work.audit(tenant.id, "customer.identity_verified", "customer", row.customer_id, kind)


async def _attach_typed(
    work: Work, tenant: Tenant, customer: Customer, typed: Sequence[tuple[IdentityKind, str]]
) -> None:
    """Keep typed values on the customer (where to answer); suggest who else may be them."""
    if not typed:
        return
    held = await repository.find_identities(work.session, tenant.id, typed)
    mine = await repository.typed_identities_of(work.session, tenant.id, customer.id)
    holders: dict[uuid.UUID, list[str]] = defaultdict(list)
    for kind, value in typed:
        row = held.get((kind, value))
        if row is not None and row.customer_id == customer.id:
            continue  # the customer holds it already, on better grounds
        if row is not None:
            holders[row.customer_id].append(str(kind))
        if (kind, value) not in mine:
            work.session.add(_identity(tenant, customer, kind, value, typed=True))
    for holder_id, kinds in holders.items():
        await suggest_merge(work, tenant, customer, holder_id, kinds)


async def _known_customer(
    work: Work, tenant: Tenant, customer_id: uuid.UUID, display_name: str
) -> Customer:
    found = await repository.get_customer(work.session, tenant.id, customer_id)
    assert found is not None
    customer = await surviving_customer(work, tenant, found)
    if display_name and not customer.display_name:
        customer.display_name = display_name[:200]
    return customer


def _identity(
    tenant: Tenant,
    customer: Customer,
    kind: str,
    value: str,
    *,
    typed: bool = False,
    verified: bool = False,
) -> CustomerIdentity:
    return CustomerIdentity(
        id=new_id(),
        tenant_id=tenant.id,
        customer_id=customer.id,
        kind=kind,
        value=value,
        typed=typed,
        verified=verified,
    )


def new_customer(
    work: Work, tenant: Tenant, identities: Sequence[tuple[str, str]], display_name: str
) -> tuple[Customer, list[CustomerIdentity]]:
    """A new customer with its identities, added without a guard (the caller checked them)."""
    customer, rows = _customer_rows(tenant, identities, display_name)
    work.session.add_all([customer, *rows])
    _announce(work, tenant, customer)
    return customer, rows


def attach_identity(
    work: Work, tenant: Tenant, customer: Customer, kind: str, value: str
) -> CustomerIdentity:
    """Add an identity the caller knows to be free."""
    row = _identity(tenant, customer, kind, value)
    work.session.add(row)
    return row


def _customer_rows(
    tenant: Tenant,
    identities: Sequence[tuple[str, str]],
    display_name: str,
    proven: Set[tuple[str, str]] = frozenset(),
) -> tuple[Customer, list[CustomerIdentity]]:
    customer = Customer(id=new_id(), tenant_id=tenant.id, display_name=display_name[:200])
    rows = [
        _identity(tenant, customer, kind, value, verified=(kind, value) in proven)
        for kind, value in identities
    ]
    return customer, rows


async def _create_customer(
    work: Work,
    tenant: Tenant,
    identities: list[tuple[IdentityKind, str]],
    display_name: str,
    proven: Set[tuple[str, str]] = frozenset(),
) -> Customer | None:
    """A new customer holding these identities; None if another transaction took one first."""
    customer, rows = _customer_rows(tenant, identities, display_name, proven)
    if not await _add_guarded(work, [customer, *rows]):
        return None
    _announce(work, tenant, customer)
    return customer


def _announce(work: Work, tenant: Tenant, customer: Customer) -> None:
    work.emit(
        tenant.id,
        "customer.created",
        {"display_name": customer.display_name},
        customer_id=customer.id,
    )
    work.audit(tenant.id, "customer.created", "customer", customer.id)


async def _attach(
    work: Work,
    tenant: Tenant,
    customer: Customer,
    kind: IdentityKind,
    value: str,
    *,
    verified: bool = False,
) -> None:
    """Attach an identity; if another customer took it meanwhile, it stays theirs."""
    await _add_guarded(work, [_identity(tenant, customer, kind, value, verified=verified)])


async def _add_guarded(work: Work, rows: Sequence[object]) -> bool:
    """Insert rows; False when a unique identity was taken by a concurrent transaction.

    SQLite runs one writer at a time and we read inside our own transaction, so no one can
    take an identity between our read and our write; PostgreSQL needs a savepoint.
    """
    if work.session.get_bind().dialect.name == "sqlite":
        work.session.add_all(rows)
        return True
    try:
        async with work.session.begin_nested():
            work.session.add_all(rows)
    except IntegrityError:
        return False
    return True


async def add_identity(
    work: Work, tenant: Tenant, customer: Customer, claim: IdentityClaim
) -> CustomerIdentity:
    """Add an identity to a customer; 409 if another customer holds it."""
    check_not_merged(customer)
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


async def surviving_customer(work: Work, tenant: Tenant, customer: Customer) -> Customer:
    """The customer a merged customer lives on now (itself when it was not merged)."""
    for _ in range(32):  # chains are short; the bound guards against a damaged chain
        if customer.merged_into_id is None:
            return customer
        target = await repository.get_customer(work.session, tenant.id, customer.merged_into_id)
        if target is None:
            return customer
        customer = target
    return customer


def check_not_merged(customer: Customer) -> None:
    """Refuse changes to a customer that was merged into another (409)."""
    if customer.merged_into_id is not None:
        raise Conflict(
            f"this customer was merged into {customer.merged_into_id}: change that customer, "
            "or undo the merge first",
            merged_into_id=str(customer.merged_into_id),
        )


def parse_identity_filter(access: TenantAccess, text: str) -> tuple[IdentityKind, str]:
    """Read 'kind:value' (such as 'email:ada@example.com') into a normalised identity.

    Finding customers by a phone number or e-mail address tells who has it, so the filter
    needs the right to read that kind of personal data (403 otherwise)."""
    kind, sep, value = text.partition(":")
    if not sep:
        raise InvalidInput("identity must look like kind:value, for example email:ada@example.com")
    [identity] = normalize_claims(access.tenant, [IdentityClaim(kind, value)])
    sensitive = identity_field(identity[0])
    if sensitive is not None:
        access.require(PII_READ[sensitive])
    return identity


# --- who may read and write what ---------------------------------------------------------


def readable_fields(access: TenantAccess) -> frozenset[PiiField]:
    """The sensitive fields the caller's role may read unmasked."""
    return frozenset(f for f, permission in PII_READ.items() if access.can(permission))


def check_write_rights(access: TenantAccess, fields: set[str]) -> None:
    """Changing customers needs 'customers.write'; address and documents also 'pii.write'.

    `fields` names the fields being written (including cleared ones).
    """
    access.require(Permission.CUSTOMERS_WRITE)
    if fields & _PII_COLUMNS:
        access.require(Permission.PII_WRITE)


# --- answers with masked personal data ---------------------------------------------------


@dataclass
class _Lens:
    """Shows a sensitive field when allowed, and remembers what it showed and what it hid."""

    allowed: frozenset[PiiField]
    masked: set[PiiField] = field(default_factory=set)
    revealed: set[PiiField] = field(default_factory=set)

    def shows(self, pii: PiiField) -> bool:
        shown = pii in self.allowed
        (self.revealed if shown else self.masked).add(pii)
        return shown


def identity_field(kind: str) -> PiiField | None:
    """The sensitive field an identity kind belongs to, if any."""
    sensitive = _SENSITIVE.get(kind)
    return PiiField(sensitive) if sensitive else None


def _identity_out(row: CustomerIdentity, lens: _Lens) -> IdentityOut:
    pii = identity_field(row.kind)
    hidden = pii is not None and not lens.shows(pii)
    return IdentityOut(
        id=row.id,
        kind=row.kind,
        value=mask(row.kind, row.value) if hidden else row.value,
        verified=row.verified,
        typed=row.typed,
        masked=hidden,
        created_at=row.created_at,
    )


def _stored_document(raw: dict[str, Any]) -> Document:
    """A stored document, read leniently: rows written by other means must not break reads."""
    country = raw.get("country")
    return Document.model_construct(
        kind=str(raw.get("kind") or "document"),
        number=str(raw.get("number") or ""),
        country=str(country) if country else None,
    )


def _documents_out(documents: list[dict[str, Any]], lens: _Lens) -> list[Document]:
    if not documents:
        return []
    docs = [_stored_document(d) for d in documents]
    if lens.shows(PiiField.DOCUMENTS):
        return docs
    # the kind of document on file helps the agent; its number and country stay hidden
    return [Document(kind=d.kind, number=MASKED) for d in docs]


def _customer_out(
    customer: Customer, identities: list[CustomerIdentity], lens: _Lens
) -> CustomerOut:
    address = customer.address
    if address is not None and not lens.shows(PiiField.ADDRESS):
        address = MASKED
    return CustomerOut(
        id=customer.id,
        display_name=customer.display_name,
        language=customer.language,
        vip=customer.vip,
        notes=customer.notes,
        address=address,
        documents=_documents_out(customer.documents, lens),
        identities=[_identity_out(row, lens) for row in identities],
        merged_into_id=customer.merged_into_id,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        masked=sorted(lens.masked),
        revealed=sorted(lens.revealed),
    )


async def present(
    work: Work,
    tenant: Tenant,
    customers: Sequence[Customer],
    *,
    readable: frozenset[PiiField],
    reveal: bool,
) -> list[CustomerOut]:
    """Customers as the caller may see them, masked unless revealed; audits every reveal.

    Sensitive fields are masked by default even for roles that may read them: reading them
    takes reveal=true, and each answer with unmasked values writes a 'customer.pii_read'
    audit entry per customer naming the fields revealed. The caller commits the work.
    """
    rows = await repository.identities_of(work.session, [c.id for c in customers])
    by_customer: dict[uuid.UUID, list[CustomerIdentity]] = defaultdict(list)
    for row in rows:
        by_customer[row.customer_id].append(row)
    allowed = readable if reveal else frozenset()
    answers = []
    for customer in customers:
        answer = _customer_out(customer, by_customer[customer.id], _Lens(allowed))
        if answer.revealed:
            fields = [str(f) for f in answer.revealed]
            work.audit(tenant.id, "customer.pii_read", "customer", customer.id, {"fields": fields})
        answers.append(answer)
    return answers


# --- changes -----------------------------------------------------------------------------


async def create_customer(work: Work, tenant: Tenant, data: CustomerIn) -> Customer:
    """Create a customer with identities; 409 if another customer holds one of them."""
    claims = [IdentityClaim(i.kind, i.value) for i in data.identities]
    identities = normalize_claims(tenant, claims)
    for kind, value in identities:
        await _check_identity_free(work, tenant, kind, value)
    customer = Customer(
        id=new_id(),
        tenant_id=tenant.id,
        display_name=data.display_name,
        language=data.language,
        vip=data.vip,
        notes=data.notes,
        address=data.address,
        documents=[d.model_dump(mode="json") for d in data.documents],
    )
    work.session.add(customer)
    await work.session.flush()
    for kind, value in identities:
        await _insert_identity(work, tenant, customer, kind, value)
    kinds = [str(kind) for kind, _ in identities]
    work.emit(
        tenant.id,
        "customer.created",
        {"display_name": customer.display_name, "identity_kinds": kinds},
        customer_id=customer.id,
    )
    work.audit(tenant.id, "customer.created", "customer", customer.id, {"identity_kinds": kinds})
    return customer


async def _check_identity_free(work: Work, tenant: Tenant, kind: IdentityKind, value: str) -> None:
    row = await repository.find_identity(work.session, tenant.id, kind, value)
    if row is not None:
        raise Conflict(
            f"another customer already has this {kind} identity: use that customer or merge",
            customer_id=str(row.customer_id),
        )


async def _insert_identity(
    work: Work, tenant: Tenant, customer: Customer, kind: IdentityKind, value: str
) -> None:
    """Insert an identity; 409 if a concurrent request took it first."""
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
        raise Conflict(f"another customer has just taken this {kind} identity") from None


async def update_customer(
    work: Work, tenant: Tenant, customer: Customer, patch: CustomerPatch
) -> list[str]:
    """Change the fields sent; returns the names of the fields that changed."""
    check_not_merged(customer)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    nulls = sorted(_NOT_NULL & {k for k, v in changes.items() if v is None})
    if nulls:
        raise InvalidInput(f"{', '.join(nulls)} cannot be null: send a value (empty clears it)")
    changed = sorted(k for k, v in changes.items() if getattr(customer, k) != v)
    if not changed:
        return []
    for name in changed:
        setattr(customer, name, changes[name])
    customer.updated_at = utcnow()
    work.emit(tenant.id, "customer.updated", {"fields": changed}, customer_id=customer.id)
    work.audit(tenant.id, "customer.updated", "customer", customer.id, {"fields": changed})
    return changed


async def remove_identity(
    work: Work, tenant: Tenant, customer: Customer, identity_id: uuid.UUID
) -> None:
    """Remove one identity from a customer; 404 if the customer has no such identity."""
    check_not_merged(customer)
    row = await repository.get_identity(work.session, tenant.id, customer.id, identity_id)
    if row is None:
        raise NotFound("this customer has no such identity")
    kind = row.kind
    await work.session.delete(row)
    customer.updated_at = utcnow()
    work.emit(tenant.id, "customer.identity_removed", {"kind": kind}, customer_id=customer.id)
    work.audit(tenant.id, "customer.identity_removed", "customer", customer.id, {"kind": kind})
