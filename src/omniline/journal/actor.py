"""Who is acting: a person, an API token, a customer on a channel, or the system."""

import uuid
from dataclasses import dataclass
from enum import StrEnum


class ActorType(StrEnum):
    USER = "user"
    TOKEN = "token"
    CUSTOMER = "customer"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None
    ip: str | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The acting person's id, if a person acts."""
        return self.id if self.type is ActorType.USER else None


SYSTEM = Actor(ActorType.SYSTEM)
