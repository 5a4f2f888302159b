"""One-time codes: proof that a visitor controls an address a case's customer is known by.

Knowing a case number and an e-mail address proves nothing (both travel in every e-mail of
the case, and anyone can type them). The visitor gives both; if the address is one the
case's customer is known by, a code goes to it through the tenant's e-mail account (a
`portal.status_code` job, sent by the e-mail channel's adapter), and only the code opens the
case. Whatever matched, the visitor sees the same page, and every failure the same words.

A code is six digits, valid CODE_MINUTES, used once, and dead after CODE_TRIES wrong
answers. It is not stored: it is derived from its row's id with the installation's secret.
Every request counts as a failed lookup until its code comes back, so requests and wrong
codes share the limits of ADR 0004 (per client address and per case number).
Text messages are designed in (`SENDERS`): a phone joins once the tenant has an SMS channel.
"""

import hashlib
import hmac
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniline.channels.base import AccountConfig, OutboundMessage, SendFailed
from omniline.channels.registry import ChannelRegistry
from omniline.customers.service import IdentityClaim
from omniline.jobs.worker import Handler
from omniline.journal.work import Work
from omniline.kit.clock import utcnow
from omniline.kit.errors import Conflict, InvalidInput
from omniline.kit.ids import new_id
from omniline.models import Case, CaseLookup, ChannelAccount, StatusCode, Tenant
from omniline.portal.status import LookupFailed, Proof, check_rate, contact_identity, match

log = logging.getLogger(__name__)

JOB = "portal.status_code"
CODE_MINUTES = 10
CODE_TRIES = 5
# the kinds of address a code can go to, and the channel account (name and kind) that carries
# it there: the e-mail channel's account; a text-message channel's joins it for phones
SENDERS: dict[str, str] = {"email": "email"}
WRONG_CODE = "that code is not right, or it has expired: ask for a new one"


def code_for(secret: str, code_id: uuid.UUID) -> str:
    """The six digits of a code: the same for the same row, unguessable without the secret."""
    digest = hmac.new(secret.encode(), f"case-status-code:{code_id}".encode(), hashlib.sha256)
    return f"{int.from_bytes(digest.digest()[:8], 'big') % 1_000_000:06d}"


async def _sender(session: AsyncSession, tenant_id: uuid.UUID, kind: str) -> ChannelAccount | None:
    """The account that carries codes to this kind of address, if it is set up and on."""
    account = await session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.tenant_id == tenant_id, ChannelAccount.name == SENDERS[kind]
        )
    )
    if account is None or account.kind != SENDERS[kind] or not account.enabled:
        return None
    return account if account.config else None


async def sendable_kinds(work: Work, tenant: Tenant) -> list[str]:
    """The kinds of address the tenant can send a code to now."""
    return [kind for kind in SENDERS if await _sender(work.session, tenant.id, kind)]


class CodesUnavailable(Conflict):
    """The tenant has no way to send a code; the signed link is the way in."""


def _number(text: str) -> int | None:
    digits = text.strip().lstrip("#")
    # beyond 9 digits no case number exists; the database's integers must not overflow
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


async def request_code(
    work: Work, tenant: Tenant, *, number_text: str, contact: str, client: str
) -> uuid.UUID:
    """Send a code if the address is one the case's customer is known by; the id the
    visitor's cookie names either way. The caller commits (also when this raises)."""
    number = _number(number_text)
    await check_rate(work, tenant, client, number)
    kinds = await sendable_kinds(work, tenant)
    if not kinds:
        raise CodesUnavailable(
            "this help portal cannot send codes yet: open your case with the link in our "
            "messages to you, or write to us"
        )
    identity = contact_identity(tenant, contact)
    if identity is None or identity[0] not in kinds:
        raise InvalidInput("give the e-mail address you wrote to us from: we send the code there")
    lookup = CaseLookup(
        id=new_id(), tenant_id=tenant.id, client=client, case_number=number, succeeded=False,
        created_at=utcnow(),
    )  # fmt: skip
    work.session.add(lookup)
    proof = await match(work, tenant, number, *identity) if number is not None else None
    code_id = new_id()
    if proof is not None:
        _issue(work, tenant, code_id, proof, identity, lookup)
    return code_id


def _issue(
    work: Work,
    tenant: Tenant,
    code_id: uuid.UUID,
    proof: Proof,
    identity: tuple[str, str],
    lookup: CaseLookup,
) -> None:
    now = utcnow()
    work.session.add(
        StatusCode(
            id=code_id,
            tenant_id=tenant.id,
            case_id=proof.case_id,
            customer_id=proof.customer_id,
            kind=identity[0],
            destination=identity[1],
            lookup_id=lookup.id,
            created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            attempts=0,
        )
    )
    work.enqueue(JOB, {"tenant_id": tenant.id, "code_id": code_id})
    work.audit(tenant.id, "case.status_code_sent", "case", proof.case_id, {"kind": identity[0]})


async def check_code(
    work: Work, tenant: Tenant, *, secret: str, code_id: uuid.UUID | None, code: str, client: str
) -> Proof:
    """The case a right code opens; the same 404 for every failure, each one counted.
    The caller commits (also when this raises)."""
    await check_rate(work, tenant, client, None)
    row = await _pending(work, tenant, code_id)
    given = "".join(code.split())
    if row is None or not hmac.compare_digest(code_for(secret, row.id), given):
        if row is not None:
            row.attempts += 1
        work.session.add(
            CaseLookup(
                id=new_id(), tenant_id=tenant.id, client=client, case_number=None,
                succeeded=False, created_at=utcnow(),
            )
        )  # fmt: skip
        raise LookupFailed(WRONG_CODE)
    row.used_at = utcnow()
    lookup = await work.session.get(CaseLookup, row.lookup_id)
    if lookup is not None:
        lookup.succeeded = True  # the request proved to be the customer's: no failure
    return Proof(row.case_id, row.customer_id)


async def _pending(work: Work, tenant: Tenant, code_id: uuid.UUID | None) -> StatusCode | None:
    """The code the visitor's cookie names, while it can still be used."""
    if code_id is None:
        return None
    row = await work.session.scalar(
        select(StatusCode)
        .where(StatusCode.tenant_id == tenant.id, StatusCode.id == code_id)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.attempts >= CODE_TRIES:
        return None
    return row if row.expires_at > utcnow() else None


# --- sending ---------------------------------------------------------------------------------


def send_code_handler(
    sessions: async_sessionmaker[AsyncSession], channels: ChannelRegistry, secret: str
) -> Handler:
    """The `portal.status_code` job: send one code; a code already used or expired is not."""

    async def handle(payload: dict[str, Any]) -> None:
        async with sessions() as session:
            prepared = await _prepare(session, uuid.UUID(str(payload["code_id"])), secret)
        if prepared is None:
            return
        account, message = prepared
        try:
            await channels.get(account.kind).send(account, message)
        except SendFailed as exc:
            if exc.retry:
                raise
            log.warning("portal: a case-status code could not be sent: %s", exc)

    return handle


async def _prepare(
    session: AsyncSession, code_id: uuid.UUID, secret: str
) -> tuple[AccountConfig, OutboundMessage] | None:
    row = await session.get(StatusCode, code_id)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    tenant = await session.get_one(Tenant, row.tenant_id)
    case = await session.get_one(Case, row.case_id)
    account = await _sender(session, tenant.id, row.kind)
    if account is None:
        return None  # switched off since: the visitor asks again, or uses the link
    config = AccountConfig(
        tenant.id, account.name, account.kind, dict(account.config), account.secret
    )
    return config, OutboundMessage(
        tenant_id=tenant.id,
        message_id=row.id,
        interaction_id=row.case_id,  # no interaction: a code is not part of the conversation
        channel=account.name,
        recipients=[IdentityClaim(row.kind, row.destination)],
        subject=f"Your code for case {case.number} at {tenant.name}",
        body=_text(tenant, case, code_for(secret, row.id)),
    )


def _text(tenant: Tenant, case: Case, code: str) -> str:
    return (
        f"Your code to see case {case.number} on the {tenant.name} help portal: {code}\n\n"
        f"It is valid for {CODE_MINUTES} minutes and can be used once. If you did not ask "
        "for it, ignore this message: nobody can see your case without it."
    )
