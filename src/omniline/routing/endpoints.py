"""HTTP endpoints of routing: queues, routing profiles, agents, offers, transfers, positions.

Offers reach agents as `interaction.offered` events on the tenant's WebSocket (with the
agent's id and the time the offer runs out); accepting and declining are these endpoints
or the same commands sent on the WebSocket.
"""

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from omniline.api.deps import CtxDep, IdPath
from omniline.auth.permissions import Permission
from omniline.interactions import service as interactions
from omniline.kit.errors import Conflict, Forbidden
from omniline.models import AgentState
from omniline.routing import service
from omniline.routing.schemas import (
    AgentOut,
    AgentPatch,
    ChannelStatsOut,
    PositionOut,
    ProfileCreate,
    ProfileOut,
    ProfilePatch,
    QueueCreate,
    QueueOut,
    QueuePatch,
    QueueStatsOut,
    RequeueIn,
    RoutedOut,
    StateIn,
    TransferIn,
    UnroutedOut,
)

router = APIRouter(tags=["routing"])

QUEUES = "/tenants/{tenant}/queues"
PROFILES = "/tenants/{tenant}/routing-profiles"
AGENTS = "/tenants/{tenant}/agents"
INTERACTION = "/tenants/{tenant}/interactions/{interaction_id}"


async def _commit_named(ctx: CtxDep, what: str, name: str) -> None:
    try:
        await ctx.work.commit()
    except IntegrityError as exc:
        await ctx.work.rollback()
        raise Conflict(f"a {what} named '{name}' already exists") from exc


@router.get(QUEUES, response_model=list[QueueOut], summary="The tenant's queues")
async def list_queues(ctx: CtxDep) -> list[QueueOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    rows = await service.list_queues(ctx.work.session, ctx.tenant.id)
    return [QueueOut.model_validate(r) for r in rows]


@router.post(QUEUES, response_model=QueueOut, status_code=201, summary="Add a queue")
async def create_queue(ctx: CtxDep, body: QueueCreate) -> QueueOut:
    ctx.access.require(Permission.ROUTING_MANAGE)
    row = await service.create_queue(ctx.work, ctx.tenant, body.model_dump())
    await _commit_named(ctx, "queue", body.name)
    return QueueOut.model_validate(row)


@router.get(
    "/tenants/{tenant}/queue-stats",
    response_model=list[QueueStatsOut],
    summary="Every queue right now: waiting, offered, longest wait, agents available and staffed",
)
async def queue_stats(ctx: CtxDep) -> list[QueueStatsOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    return [QueueStatsOut.of(s) for s in await service.queue_stats(ctx.work, ctx.tenant)]


@router.get(
    "/tenants/{tenant}/channel-stats",
    response_model=list[ChannelStatsOut],
    summary="Every channel right now across queues: waiting, longest wait, agents, today's "
    "answered, abandoned and service level",
)
async def channel_stats(ctx: CtxDep) -> list[ChannelStatsOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    return [ChannelStatsOut.of(s) for s in await service.channel_stats(ctx.work, ctx.tenant)]


@router.get(
    "/tenants/{tenant}/unrouted",
    response_model=list[UnroutedOut],
    summary="Contacts no queue can take (a channel no queue serves, a branch visit), with why; "
    "place one with POST .../interactions/{id}/requeue",
)
async def list_unrouted(ctx: CtxDep) -> list[UnroutedOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    return [UnroutedOut.of(u) for u in await service.unrouted(ctx.work, ctx.tenant)]


@router.get(QUEUES + "/{queue_id}", response_model=QueueOut, summary="One queue")
async def get_queue(ctx: CtxDep, queue_id: IdPath) -> QueueOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    return QueueOut.model_validate(await service.get_queue_or_raise(ctx.work, ctx.tenant, queue_id))


@router.patch(QUEUES + "/{queue_id}", response_model=QueueOut, summary="Change a queue")
async def update_queue(ctx: CtxDep, queue_id: IdPath, body: QueuePatch) -> QueueOut:
    ctx.access.require(Permission.ROUTING_MANAGE)
    row = await service.get_queue_or_raise(ctx.work, ctx.tenant, queue_id)
    await service.update_queue(ctx.work, ctx.tenant, row, body.changes())
    await _commit_named(ctx, "queue", body.name or row.name)
    return QueueOut.model_validate(row)


@router.get(
    QUEUES + "/{queue_id}/waiting",
    response_model=list[RoutedOut],
    summary="The contacts waiting in a queue, in the order they will be served",
)
async def list_waiting(ctx: CtxDep, queue_id: IdPath) -> list[RoutedOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    rows = await service.waiting_in(ctx.work, ctx.tenant, queue_id)
    return [RoutedOut.of(r) for r in rows]


@router.get(PROFILES, response_model=list[ProfileOut], summary="The tenant's routing profiles")
async def list_profiles(ctx: CtxDep) -> list[ProfileOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    rows = await service.list_profiles(ctx.work.session, ctx.tenant.id)
    return [ProfileOut.model_validate(r) for r in rows]


@router.post(
    PROFILES,
    response_model=ProfileOut,
    status_code=201,
    summary="Add a routing profile: queues with priority and delay, capacity per channel",
)
async def create_profile(ctx: CtxDep, body: ProfileCreate) -> ProfileOut:
    ctx.access.require(Permission.ROUTING_MANAGE)
    row = await service.create_profile(ctx.work, ctx.tenant, body.model_dump(mode="json"))
    await _commit_named(ctx, "routing profile", body.name)
    return ProfileOut.model_validate(row)


@router.get(PROFILES + "/{profile_id}", response_model=ProfileOut, summary="One routing profile")
async def get_profile(ctx: CtxDep, profile_id: IdPath) -> ProfileOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await service.get_profile_or_raise(ctx.work, ctx.tenant, profile_id)
    return ProfileOut.model_validate(row)


@router.patch(
    PROFILES + "/{profile_id}", response_model=ProfileOut, summary="Change a routing profile"
)
async def update_profile(ctx: CtxDep, profile_id: IdPath, body: ProfilePatch) -> ProfileOut:
    ctx.access.require(Permission.ROUTING_MANAGE)
    row = await service.get_profile_or_raise(ctx.work, ctx.tenant, profile_id)
    await service.update_profile(ctx.work, ctx.tenant, row, body.changes())
    await _commit_named(ctx, "routing profile", body.name or row.name)
    return ProfileOut.model_validate(row)


@router.get(AGENTS, response_model=list[AgentOut], summary="Agents with their state and load")
async def list_agents(ctx: CtxDep) -> list[AgentOut]:
    ctx.access.require(Permission.INTERACTIONS_READ)
    return [AgentOut.of(v) for v in await service.agent_views(ctx.work, ctx.tenant)]


@router.get(AGENTS + "/{user_id}", response_model=AgentOut, summary="One agent")
async def get_agent(ctx: CtxDep, user_id: IdPath) -> AgentOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    agent = await service.peek_agent(ctx.work, ctx.tenant, user_id)
    return AgentOut.of(await service.agent_view(ctx.work, ctx.tenant, agent))


@router.patch(
    AGENTS + "/{user_id}",
    response_model=AgentOut,
    summary="Give an agent a routing profile and skills (supervisors)",
)
async def update_agent(ctx: CtxDep, user_id: IdPath, body: AgentPatch) -> AgentOut:
    ctx.access.require(Permission.ROUTING_SUPERVISE)
    agent = await service.get_or_make_agent(ctx.work, ctx.tenant, user_id)
    await service.update_agent(
        ctx.work,
        ctx.tenant,
        agent,
        profile_id=body.profile_id,
        skills=body.skills,
        clear_profile="profile_id" in body.model_fields_set and body.profile_id is None,
    )
    view = await service.agent_view(ctx.work, ctx.tenant, agent)
    await ctx.work.commit()
    return AgentOut.of(view)


@router.put(
    AGENTS + "/{user_id}/state",
    response_model=AgentOut,
    summary="Set an agent's state: one's own, or anyone's for supervisors",
)
async def set_state(ctx: CtxDep, user_id: IdPath, body: StateIn) -> AgentOut:
    if user_id == ctx.access.actor.user_id:
        ctx.access.require(Permission.INTERACTIONS_WRITE)
    elif not ctx.access.can(Permission.ROUTING_SUPERVISE):
        raise Forbidden("changing another agent's state needs the permission 'routing.supervise'")
    agent = await service.get_or_make_agent(ctx.work, ctx.tenant, user_id)
    await service.change_state(ctx.work, ctx.tenant, agent, AgentState(body.state), body.reason)
    view = await service.agent_view(ctx.work, ctx.tenant, agent)
    await ctx.work.commit()
    return AgentOut.of(view)


@router.post(
    AGENTS + "/{user_id}/take-over",
    response_model=list[RoutedOut],
    summary="Take over the contacts an agent handles now (supervisors); their offers and "
    "never-opened contacts go back to their queues",
)
async def take_over(ctx: CtxDep, user_id: IdPath) -> list[RoutedOut]:
    ctx.access.require(Permission.ROUTING_SUPERVISE)
    rows = await service.take_over(ctx.work, ctx.tenant, user_id)
    await ctx.work.commit()
    return [RoutedOut.of(r) for r in rows]


@router.post(
    AGENTS + "/{user_id}/requeue",
    response_model=list[RoutedOut],
    summary="Send every contact an agent holds back to its queue at its original place "
    "(supervisors)",
)
async def requeue_contacts(ctx: CtxDep, user_id: IdPath) -> list[RoutedOut]:
    ctx.access.require(Permission.ROUTING_SUPERVISE)
    rows = await service.requeue_contacts(ctx.work, ctx.tenant, user_id)
    await ctx.work.commit()
    return [RoutedOut.of(r) for r in rows]


@router.post(
    INTERACTION + "/open",
    response_model=RoutedOut,
    summary="The agent handling a contact has it before them (their desk shows it): it no "
    "longer goes back to the queue if they leave",
)
async def open_contact(ctx: CtxDep, interaction_id: IdPath) -> RoutedOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.open_contact(ctx.work, ctx.tenant, interaction_id)
    await ctx.work.commit()
    return RoutedOut.of(row)


@router.post(INTERACTION + "/accept", response_model=RoutedOut, summary="Accept an offer")
async def accept(ctx: CtxDep, interaction_id: IdPath) -> RoutedOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.accept(ctx.work, ctx.tenant, interaction_id)
    await ctx.work.commit()
    return RoutedOut.of(row)


@router.post(
    INTERACTION + "/decline",
    response_model=RoutedOut,
    summary="Decline an offer: the contact goes back to its place in the queue",
)
async def decline(ctx: CtxDep, interaction_id: IdPath) -> RoutedOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.decline(ctx.work, ctx.tenant, interaction_id)
    await ctx.work.commit()
    return RoutedOut.of(row)


@router.post(
    INTERACTION + "/transfer",
    response_model=RoutedOut,
    summary="Transfer a contact in progress to a queue or an agent; the case goes with it",
)
async def transfer(ctx: CtxDep, interaction_id: IdPath, body: TransferIn) -> RoutedOut:
    ctx.access.require(Permission.INTERACTIONS_WRITE)
    row = await service.transfer(
        ctx.work,
        ctx.tenant,
        interaction_id,
        queue_id=body.queue_id,
        agent_id=body.agent_id,
        supervising=ctx.access.can(Permission.ROUTING_SUPERVISE),
    )
    await ctx.work.commit()
    return RoutedOut.of(row)


@router.post(
    INTERACTION + "/requeue",
    response_model=RoutedOut,
    summary="Move a waiting contact to another queue, keeping its waiting time (supervisors)",
)
async def requeue(ctx: CtxDep, interaction_id: IdPath, body: RequeueIn) -> RoutedOut:
    ctx.access.require(Permission.ROUTING_SUPERVISE)
    row = await service.move_waiting(ctx.work, ctx.tenant, interaction_id, body.queue_id)
    await ctx.work.commit()
    return RoutedOut.of(row)


@router.get(
    INTERACTION + "/position",
    response_model=PositionOut,
    summary="A waiting contact's place in its queue and estimated wait",
)
async def position(ctx: CtxDep, interaction_id: IdPath) -> PositionOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    return PositionOut.of(await service.position(ctx.work, ctx.tenant, row))


@router.get(
    INTERACTION + "/routing", response_model=RoutedOut, summary="Routing state of a contact"
)
async def routing_state(ctx: CtxDep, interaction_id: IdPath) -> RoutedOut:
    ctx.access.require(Permission.INTERACTIONS_READ)
    row = await interactions.get_interaction_or_raise(ctx.work, ctx.tenant, interaction_id)
    return RoutedOut.of(row)
