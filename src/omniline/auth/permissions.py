"""Permissions and the built-in roles made of them."""

from enum import StrEnum

from omniline.kit.errors import InvalidInput


class Permission(StrEnum):
    TENANT_MANAGE = "tenant.manage"
    USERS_MANAGE = "users.manage"
    ROLES_MANAGE = "roles.manage"
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_READ = "audit.read"
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_WRITE = "customers.write"
    CUSTOMERS_MERGE = "customers.merge"
    # field-level rights on sensitive personal data
    PII_PHONE_READ = "pii.phone.read"
    PII_EMAIL_READ = "pii.email.read"
    PII_ADDRESS_READ = "pii.address.read"
    PII_DOCUMENTS_READ = "pii.documents.read"
    PII_WRITE = "pii.write"
    CASES_READ = "cases.read"
    CASES_WRITE = "cases.write"
    INTERACTIONS_READ = "interactions.read"
    INTERACTIONS_WRITE = "interactions.write"
    MESSAGES_SEND = "messages.send"
    REASONS_MANAGE = "reasons.manage"
    CHANNELS_MANAGE = "channels.manage"
    INBOUND_WRITE = "inbound.write"
    EVENTS_READ = "events.read"
    # routing: set up queues and routing profiles; supervise agents and waiting contacts
    ROUTING_MANAGE = "routing.manage"
    ROUTING_SUPERVISE = "routing.supervise"
    # the knowledge base: read every article (internal ones too); write, publish, link
    KNOWLEDGE_READ = "knowledge.read"
    KNOWLEDGE_MANAGE = "knowledge.manage"


ALL = frozenset(Permission)
_WORK = frozenset(
    {
        Permission.CUSTOMERS_READ,
        Permission.CUSTOMERS_WRITE,
        Permission.CASES_READ,
        Permission.CASES_WRITE,
        Permission.INTERACTIONS_READ,
        Permission.INTERACTIONS_WRITE,
        Permission.MESSAGES_SEND,
        Permission.INBOUND_WRITE,
        Permission.EVENTS_READ,
        Permission.KNOWLEDGE_READ,
    }
)

BUILTIN_ROLES: dict[str, frozenset[Permission]] = {
    "admin": ALL,
    "supervisor": _WORK
    | {
        Permission.CUSTOMERS_MERGE,
        Permission.PII_PHONE_READ,
        Permission.PII_EMAIL_READ,
        Permission.PII_ADDRESS_READ,
        Permission.PII_WRITE,
        Permission.AUDIT_READ,
        Permission.REASONS_MANAGE,
        Permission.ROUTING_SUPERVISE,
        Permission.KNOWLEDGE_MANAGE,
    },
    # agents see contact details they need to answer; documents and address stay masked
    "agent": _WORK | {Permission.PII_PHONE_READ, Permission.PII_EMAIL_READ},
    "planner": frozenset(
        {
            Permission.CASES_READ,
            Permission.INTERACTIONS_READ,
            Permission.EVENTS_READ,
            Permission.KNOWLEDGE_READ,
        }
    ),
}

# the scopes an API token gets when none are asked for: what an integration needs to feed
# contacts in and read them back
DEFAULT_TOKEN_SCOPES = frozenset(
    {
        Permission.INBOUND_WRITE,
        Permission.CUSTOMERS_READ,
        Permission.CASES_READ,
        Permission.INTERACTIONS_READ,
    }
)


def parse_permissions(names: list[str]) -> frozenset[Permission]:
    """Read permission names, refusing unknown ones with the list of known ones."""
    unknown = sorted(set(names) - {p.value for p in Permission})
    if unknown:
        known = ", ".join(sorted(p.value for p in Permission))
        raise InvalidInput(f"unknown permission(s) {', '.join(unknown)}; known: {known}")
    return frozenset(Permission(n) for n in names)
