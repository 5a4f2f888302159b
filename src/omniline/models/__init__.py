"""ORM models, one file per aggregate; importing this package registers every table."""

from omniline.models.base import Base
from omniline.models.callback import Callback, CallbackState, CallbackStatus
from omniline.models.case import OPEN_CASE_STATUSES, Case, CaseStatus, Priority
from omniline.models.channel import ChannelAccount, InboundFailure
from omniline.models.customer import (
    Customer,
    CustomerIdentity,
    CustomerMerge,
    MergeSuggestion,
    SuggestionStatus,
)
from omniline.models.file import File
from omniline.models.interaction import (
    OPEN_INTERACTION_STATUSES,
    AuthorKind,
    DeliveryStatus,
    Direction,
    Interaction,
    InteractionStatus,
    Message,
)
from omniline.models.job import Job, JobStatus
from omniline.models.journal import AuditEntry, Event, JournalHead
from omniline.models.knowledge import (
    Article,
    ArticleFeedback,
    ArticleKind,
    ArticleReason,
    ArticleStatus,
    ArticleUse,
    ArticleVersion,
    Audience,
    BodyFormat,
    KnowledgeSearch,
    outside_models,
)
from omniline.models.limit import RateHit
from omniline.models.portal import CaseLookup, PortalEvent, PortalVisit, StatusCode
from omniline.models.reason import ContactReason
from omniline.models.routing import (
    Agent,
    AgentState,
    Desk,
    Queue,
    QueueAction,
    RoutingHead,
    RoutingProfile,
)
from omniline.models.tenant import Tenant
from omniline.models.user import (
    ApiToken,
    Invitation,
    InvitationState,
    LoginSession,
    Membership,
    Role,
    User,
)

__all__ = [
    "OPEN_CASE_STATUSES",
    "OPEN_INTERACTION_STATUSES",
    "Agent",
    "AgentState",
    "ApiToken",
    "Article",
    "ArticleFeedback",
    "ArticleKind",
    "ArticleReason",
    "ArticleStatus",
    "ArticleUse",
    "ArticleVersion",
    "Audience",
    "AuditEntry",
    "AuthorKind",
    "Base",
    "BodyFormat",
    "Callback",
    "CallbackState",
    "CallbackStatus",
    "Case",
    "CaseLookup",
    "CaseStatus",
    "ChannelAccount",
    "ContactReason",
    "Customer",
    "CustomerIdentity",
    "CustomerMerge",
    "DeliveryStatus",
    "Desk",
    "Direction",
    "Event",
    "File",
    "InboundFailure",
    "Interaction",
    "InteractionStatus",
    "Invitation",
    "InvitationState",
    "Job",
    "JobStatus",
    "JournalHead",
    "KnowledgeSearch",
    "LoginSession",
    "Membership",
    "MergeSuggestion",
    "Message",
    "PortalEvent",
    "PortalVisit",
    "Priority",
    "Queue",
    "QueueAction",
    "RateHit",
    "Role",
    "RoutingHead",
    "RoutingProfile",
    "StatusCode",
    "SuggestionStatus",
    "Tenant",
    "User",
    "outside_models",
]
