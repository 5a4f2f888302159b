"""Every query of callbacks."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from omniline.models import (
    Callback,
    CallbackState,
    CallbackStatus,
    Interaction,
    InteractionStatus,
)

S = InteractionStatus


def status_expr() -> ColumnElement[str]:
    """A callback's status as shown: its own until due, then its call's."""
    return case(
        (Callback.state != CallbackState.DUE, Callback.state),
        (Interaction.status.in_((S.CREATED, S.QUEUED)), CallbackStatus.QUEUED.value),
        (Interaction.status == S.OFFERED, CallbackStatus.OFFERED.value),
        (Interaction.status == S.WRAPPED_UP, CallbackStatus.DONE.value),
        # ended before anyone took it (a supervisor ended the waiting call)
        (
            and_(Interaction.status == S.ENDED, Interaction.answered_at.is_(None)),
            CallbackStatus.FAILED.value,
        ),
        else_=CallbackStatus.IN_PROGRESS.value,
    )


def _with_status() -> Select[Callback, str]:
    return select(Callback, status_expr()).outerjoin(
        Interaction, Interaction.id == Callback.interaction_id
    )


async def get_callback(
    session: AsyncSession, tenant_id: uuid.UUID, callback_id: uuid.UUID
) -> tuple[Callback, CallbackStatus] | None:
    """A callback of a tenant, with its status."""
    found = (
        await session.execute(
            _with_status().where(Callback.tenant_id == tenant_id, Callback.id == callback_id)
        )
    ).first()
    return (found[0], CallbackStatus(found[1])) if found is not None else None


async def list_callbacks(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    status: CallbackStatus | None = None,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
    agent_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    interaction_id: uuid.UUID | None = None,
) -> list[tuple[Callback, CallbackStatus]]:
    """A page of a tenant's callbacks, oldest first."""
    query = _with_status().where(Callback.tenant_id == tenant_id)
    if status is not None:
        query = query.where(status_expr() == status.value)
    if due_from is not None:
        query = query.where(Callback.due_at >= due_from)
    if due_to is not None:
        query = query.where(Callback.due_at < due_to)
    if agent_id is not None:
        query = query.where(
            or_(
                Callback.preferred_agent_id == agent_id,
                Callback.created_by_id == agent_id,
                Interaction.agent_id == agent_id,
            )
        )
    if case_id is not None:
        query = query.where(Callback.case_id == case_id)
    if interaction_id is not None:
        query = query.where(
            or_(
                Callback.interaction_id == interaction_id,
                Callback.source_interaction_id == interaction_id,
            )
        )
    if after is not None:
        query = query.where(Callback.id > after)
    rows = await session.execute(query.order_by(Callback.id).limit(limit))
    return [(row, CallbackStatus(status)) for row, status in rows]


async def get_for_job(session: AsyncSession, callback_id: uuid.UUID) -> Callback | None:
    """A callback by id alone (a job names it), read afresh."""
    return await session.get(Callback, callback_id, populate_existing=True)


async def transition(
    session: AsyncSession, row: Callback, source: CallbackState, **values: Any
) -> bool:
    """Change a callback only if it is still in `source` (a job and a person may meet)."""
    result = await session.execute(
        update(Callback)
        .where(Callback.id == row.id, Callback.state == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True
