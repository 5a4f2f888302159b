"""What the routing endpoints read and answer."""

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omniline.models import Agent, Interaction
from omniline.routing.service import (
    AgentView,
    ChannelStats,
    LiveNumbers,
    Position,
    QueueStats,
    Unrouted,
)

Channel = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
ReasonCode = Annotated[str, Field(min_length=1, max_length=100)]
PolicyName = Literal["longest_idle", "least_occupied", "most_proficient"]
Action = Literal["wait", "transfer", "callback", "reject"]
Seconds = Annotated[int, Field(ge=1, le=30 * 24 * 3600)]
Boost = Annotated[int, Field(ge=0, le=1000)]
Level = Annotated[int, Field(ge=1, le=5)]
SkillName = Annotated[str, Field(min_length=1, max_length=64)]


class StepIn(BaseModel):
    """From `after` seconds of waiting on, the contact needs `skill` at `min_level` or more
    (no skill: anyone on the queue)."""

    model_config = ConfigDict(extra="forbid")

    after: Annotated[float, Field(ge=0, le=86400)] = 0
    skill: SkillName | None = None
    min_level: Level = 1


class _QueueFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, Field(max_length=2000)] = ""
    active: bool = True
    channels: Annotated[list[Channel], Field(min_length=1, max_length=20)] = ["chat"]
    reasons: Annotated[list[ReasonCode], Field(max_length=200)] = Field(
        [],
        description="contact-reason codes this queue serves (children included): a contact "
        "whose case has one waits here instead of the first queue of its channel",
    )
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    policy: PolicyName = "longest_idle"
    sl_percent: Annotated[int, Field(ge=1, le=100)] = 80
    sl_seconds: Seconds = 20
    first_response_seconds: Seconds | None = None
    next_response_seconds: Seconds | None = None
    escalate_at_percent: Annotated[int, Field(ge=1, le=100)] = 80
    escalation_boost: Boost = 10
    calendar: dict[str, Any] | None = Field(
        None,
        description="business hours; null uses the tenant's calendar, {} is always open",
        examples=[{"week": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-12-25"]}],
    )
    closed_action: Action = "wait"
    closed_queue_id: uuid.UUID | None = None
    max_wait_seconds: Seconds | None = None
    max_size: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    overflow_action: Action = "wait"
    overflow_queue_id: uuid.UUID | None = None
    steps: Annotated[list[StepIn], Field(max_length=20)] = []
    offer_timeout_seconds: Annotated[int, Field(ge=5, le=600)] = 20
    wrap_up_seconds: Annotated[int, Field(ge=0, le=3600)] = 0
    preferred_agent_hours: Annotated[int, Field(ge=0, le=24 * 365)] = 0
    repeat_boost: Boost = 5
    vip_boost: Boost = 10


def _check_targets(model: BaseModel) -> None:
    fields = model.model_fields_set
    for action, target in (
        ("closed_action", "closed_queue_id"),
        ("overflow_action", "overflow_queue_id"),
    ):
        if action in fields and getattr(model, action) == "transfer" and not getattr(model, target):
            raise ValueError(f"{action} 'transfer' needs {target}")


class QueueCreate(_QueueFields):
    """A new queue."""

    name: Name

    @model_validator(mode="after")
    def _targets(self) -> Self:
        _check_targets(self)
        return self


class QueuePatch(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    active: bool | None = None
    channels: Annotated[list[Channel], Field(min_length=1, max_length=20)] | None = None
    reasons: Annotated[list[ReasonCode], Field(max_length=200)] | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    policy: PolicyName | None = None
    sl_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    sl_seconds: Seconds | None = None
    first_response_seconds: Seconds | None = None
    next_response_seconds: Seconds | None = None
    escalate_at_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    escalation_boost: Boost | None = None
    calendar: dict[str, Any] | None = None
    closed_action: Action | None = None
    closed_queue_id: uuid.UUID | None = None
    max_wait_seconds: Seconds | None = None
    max_size: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    overflow_action: Action | None = None
    overflow_queue_id: uuid.UUID | None = None
    steps: Annotated[list[StepIn], Field(max_length=20)] | None = None
    offer_timeout_seconds: Annotated[int, Field(ge=5, le=600)] | None = None
    wrap_up_seconds: Annotated[int, Field(ge=0, le=3600)] | None = None
    preferred_agent_hours: Annotated[int, Field(ge=0, le=24 * 365)] | None = None
    repeat_boost: Boost | None = None
    vip_boost: Boost | None = None

    @model_validator(mode="after")
    def _targets(self) -> Self:
        _check_targets(self)
        return self

    # fields that may be set back to null (the others ignore an explicit null)
    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {
            "first_response_seconds",
            "next_response_seconds",
            "calendar",
            "closed_queue_id",
            "max_wait_seconds",
            "max_size",
            "overflow_queue_id",
        }
    )

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, as plain values."""
        sent = self.model_dump(include=self.model_fields_set)
        return {k: v for k, v in sent.items() if v is not None or k in self.NULLABLE}


class QueueOut(_QueueFields):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    steps: list[StepIn]
    created_at: datetime
    updated_at: datetime | None


class ProfileQueue(BaseModel):
    """A queue on a routing profile: lower priority numbers are served first; `delay` holds
    contacts back from this profile's agents for so many seconds."""

    model_config = ConfigDict(extra="forbid")

    queue_id: uuid.UUID
    priority: Annotated[int, Field(ge=1, le=100)] = 1
    delay: Annotated[float, Field(ge=0, le=86400)] = 0


class _ProfileFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queues: Annotated[list[ProfileQueue], Field(max_length=500)] = []
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {"voice": 1, "chat": 3, "webchat": 3, "email": 5},
        description="how many contacts of each channel at once",
    )
    blocks: dict[Channel, list[Channel]] = Field(
        default_factory=lambda: {"voice": ["chat", "webchat", "email"]},
        description="channel -> channels not offered while one of it is being handled",
    )
    auto_accept: list[Channel] = Field(
        default_factory=list, description="channels whose offers are accepted at once"
    )

    @model_validator(mode="after")
    def _unique_queues(self) -> Self:
        ids = [q.queue_id for q in self.queues]
        if len(ids) != len(set(ids)):
            raise ValueError("a queue appears twice on the profile")
        return self


class ProfileCreate(_ProfileFields):
    name: Name


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    queues: Annotated[list[ProfileQueue], Field(max_length=500)] | None = None
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=100)]] | None = None
    blocks: dict[Channel, list[Channel]] | None = None
    auto_accept: list[Channel] | None = None

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(include=self.model_fields_set, mode="json")
        return {k: v for k, v in sent.items() if v is not None}


class ProfileOut(_ProfileFields):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime | None


class AgentOut(BaseModel):
    """An agent's routing state: `state` is what they chose; `presence` adds what they do
    (on_contact, wrap_up) when available; `load` counts contacts held per channel; `away`
    means their last desk closed or fell silent."""

    user_id: uuid.UUID
    profile_id: uuid.UUID | None
    skills: dict[str, int]
    state: str
    reason: str | None
    state_since: datetime
    idle_since: datetime
    presence: str
    load: dict[str, int]
    desks: int  # desks of theirs connected now: work is offered only while one is

    @classmethod
    def of(cls, view: AgentView) -> "AgentOut":
        a: Agent = view.agent
        return cls(
            user_id=a.user_id,
            profile_id=a.profile_id,
            skills=a.skills,
            state=str(a.state),
            reason=a.reason,
            state_since=a.state_since,
            idle_since=a.idle_since,
            presence=view.presence,
            load=view.load,
            desks=view.desks,
        )


class AgentPatch(BaseModel):
    """A routing profile (null removes it) and skills with proficiency 1..5."""

    model_config = ConfigDict(extra="forbid")

    profile_id: uuid.UUID | None = None
    skills: dict[SkillName, Level] | None = None


class StateIn(BaseModel):
    """available, break (with a reason code) or offline."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["available", "break", "offline"]
    reason: Annotated[str, Field(max_length=64)] | None = None


class TransferIn(BaseModel):
    """To a queue (the contact waits there anew) or to an agent (offered to them)."""

    model_config = ConfigDict(extra="forbid")

    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.queue_id is None) == (self.agent_id is None):
            raise ValueError("name either queue_id or agent_id")
        return self


class RequeueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_id: uuid.UUID


class PositionOut(BaseModel):
    """Where a waiting contact stands: 1 is next; the estimate is in seconds
    (`routing.estimates.estimate_wait`)."""

    queue: str
    position: int
    waiting: int
    estimated_wait_seconds: int
    basis: str = Field(
        description="free_agent_now, answer_rate_30m, handle_time or no_agent_available; "
        "'_after_opening' when nobody can take it before the queue opens"
    )
    open_now: bool

    @classmethod
    def of(cls, p: Position) -> "PositionOut":
        return cls(
            queue=p.queue,
            position=p.position,
            waiting=p.waiting,
            estimated_wait_seconds=p.estimated_wait_seconds,
            basis=p.basis,
            open_now=p.open_now,
        )


class RoutedOut(BaseModel):
    """An interaction as routing left it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    channel: str = ""
    subject: str = ""
    queue: str | None
    queue_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    queued_at: datetime | None
    offered_at: datetime | None
    offer_expires_at: datetime | None
    answered_at: datetime | None
    opened_at: datetime | None
    transfer_count: int
    routing_priority: int
    response_clock: str | None
    response_due_at: datetime | None
    sla_state: str
    unrouted_reason: str | None = None

    @classmethod
    def of(cls, row: Interaction) -> "RoutedOut":
        return cls.model_validate(row)


class UnroutedOut(BaseModel):
    """A contact no queue could take: who, on which channel, since when, and why."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_number: int
    customer_id: uuid.UUID
    channel: str
    subject: str
    since: datetime
    reason: str

    @classmethod
    def of(cls, u: Unrouted) -> "UnroutedOut":
        row = u.interaction
        return cls(
            id=row.id,
            case_id=row.case_id,
            case_number=u.case_number,
            customer_id=row.customer_id,
            channel=row.channel,
            subject=row.subject,
            since=u.since,
            reason=row.unrouted_reason or "",
        )


class LiveNumbersOut(BaseModel):
    """What waits, for how long, who could take it, and today's real-time outcomes."""

    waiting: int
    longest_wait_seconds: int
    agents_available: int = Field(description="available agents who could take it")
    agents_staffed: int = Field(description="agents not offline or away who could take it")
    answered_today: int
    answered_in_target_today: int
    abandoned_today: int
    service_level_today: float | None = Field(
        description="% answered within the queue's target of those answered or abandoned "
        "today (calls, video, chat); null before the first"
    )

    @staticmethod
    def fields(numbers: LiveNumbers) -> dict[str, Any]:
        return {**asdict(numbers), "service_level_today": numbers.service_level_today}


class QueueStatsOut(LiveNumbersOut):
    """A queue right now."""

    queue_id: uuid.UUID
    name: str
    channels: list[str]
    offered: int

    @classmethod
    def of(cls, s: QueueStats) -> "QueueStatsOut":
        return cls(
            queue_id=s.queue.id,
            name=s.queue.name,
            channels=s.queue.channels,
            offered=s.offered,
            **cls.fields(s.numbers),
        )


class ChannelStatsOut(LiveNumbersOut):
    """A channel across the tenant's queues right now (each contact against its own queue's
    service-level target; written channels have no service level here)."""

    channel: str

    @classmethod
    def of(cls, s: ChannelStats) -> "ChannelStatsOut":
        return cls(channel=s.channel, **cls.fields(s.numbers))
