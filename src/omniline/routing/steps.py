"""The steps routing takes with one contact or one agent, shared by passes and requests.

Status changes are conditional updates (`... WHERE status IN (...)`), so a contact that
changed meanwhile in another transaction is never brought back to life.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from omniline.journal.work import Work
from omniline.models import Agent, AgentState, Interaction, InteractionStatus

S = InteractionStatus
# an agent who declined or missed a contact is not offered it again for this long
DECLINE_COOLDOWN = timedelta(seconds=60)


async def transition(
    session: AsyncSession, row: Interaction, sources: tuple[InteractionStatus, ...], **values: Any
) -> bool:
    """Change a contact only if it is still in one of `sources`; mirror it on the object."""
    result = await session.execute(
        update(Interaction)
        .where(Interaction.id == row.id, Interaction.status.in_(sources))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for key, value in values.items():
        set_committed(row, key, value)
    return True


def set_committed(row: Interaction, key: str, value: Any) -> None:
    """Mirror a value written by a Core update on the loaded object, without dirtying it."""
    set_committed_value(row, key, value)


def emit_step(
    work: Work,
    row: Interaction,
    kind: str,
    previous: InteractionStatus,
    data: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    """An interaction event in the shape lifecycle steps have ({"from", "to", ...})."""
    work.emit(
        row.tenant_id,
        f"interaction.{kind}",
        {"from": previous, "to": row.status, **(data or {})},
        customer_id=row.customer_id,
        case_id=row.case_id,
        interaction_id=row.id,
        occurred_at=now,
    )


async def requeue(
    work: Work, row: Interaction, now: datetime, *, why: str, declined_by: uuid.UUID | None
) -> bool:
    """An offered contact goes back to its queue at its original place."""
    agent_id = row.agent_id
    until = (now + DECLINE_COOLDOWN).isoformat()
    declined = [d for d in row.declined_by or [] if d.get("agent_id") != str(declined_by)]
    if declined_by is not None:
        declined.append({"agent_id": str(declined_by), "until": until})
    values: dict[str, Any] = {}
    if declined_by is not None and declined_by == row.preferred_agent_id:
        values["preferred_until"] = None  # the agent it was held for passed: anyone may take it
    changed = await transition(
        work.session,
        row,
        (S.OFFERED,),
        status=S.QUEUED,
        agent_id=None,
        offered_at=None,
        offer_expires_at=None,
        declined_by=declined,
        **values,
    )
    if changed:
        emit_step(
            work, row, "requeued", S.OFFERED, {"why": why, "agent_id": None,
                                              "from_agent_id": agent_id}, now=now
        )  # fmt: skip
    return changed


def set_agent_state(
    work: Work, agent: Agent, state: AgentState, reason: str | None, now: datetime
) -> None:
    """Change an agent's chosen state and log it (occupancy and adherence are computed from
    these events)."""
    previous, previous_reason = agent.state, agent.reason
    if previous == state and previous_reason == reason:
        return
    agent.state, agent.reason, agent.state_since = state, reason, now
    if state == AgentState.AVAILABLE:
        agent.idle_since = now
    work.emit(
        agent.tenant_id,
        "agent.state_changed",
        {
            "user_id": agent.user_id,
            "state": state,
            "reason": reason,
            "from": previous,
            "from_reason": previous_reason,
        },
        occurred_at=now,
    )
