"""What an agent may say on the tenant's WebSocket: accept or decline an offer, set a state.

Frames are JSON: {"type": "accept", "interaction_id": "...", "ref": "any"} or
{"type": "decline", ...} or {"type": "state", "state": "break", "reason": "lunch"}; the
answer is {"type": "reply", "ref": ..., "ok": true, "result": {...}} or
{"type": "reply", "ref": ..., "ok": false, "error": {"code": ..., "message": ...}}.
"""

import uuid
from typing import Any

from omniline.auth.permissions import Permission
from omniline.auth.service import TenantAccess
from omniline.journal.work import Work
from omniline.kit.errors import InvalidInput
from omniline.models import AgentState
from omniline.routing import service
from omniline.routing.schemas import AgentOut, RoutedOut

COMMANDS = ("accept", "decline", "state")


def _uuid(value: object, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(f"{name} must be an id, not {str(value)[:40]!r}") from None


async def run_command(work: Work, access: TenantAccess, frame: dict[str, Any]) -> dict[str, Any]:
    """Carry out one command as the caller, committed; returns the result to send back."""
    kind = frame.get("type")
    access.require(Permission.INTERACTIONS_WRITE)
    tenant = access.tenant
    if kind in ("accept", "decline"):
        interaction_id = _uuid(frame.get("interaction_id"), "interaction_id")
        act = service.accept if kind == "accept" else service.decline
        row = await act(work, tenant, interaction_id)
        await work.commit()
        return RoutedOut.of(row).model_dump(mode="json")
    if kind == "state":
        user_id = access.actor.user_id
        if user_id is None:
            raise InvalidInput("only a person has an agent state; this token is an API token")
        state, reason = frame.get("state"), frame.get("reason")
        if state not in ("available", "break", "offline"):
            raise InvalidInput("state must be one of: available, break, offline")
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput("reason must be a text")
        agent = await service.get_or_make_agent(work, tenant, user_id)
        await service.change_state(work, tenant, agent, AgentState(state), reason)
        view = await service.agent_view(work, tenant, agent)
        await work.commit()
        return AgentOut.of(view).model_dump(mode="json")
    raise InvalidInput(f"unknown command {str(kind)[:40]!r}; known: {', '.join(COMMANDS)}")
