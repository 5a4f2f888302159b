"""What the chat API reads and answers."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from omniline.channels.webchat.settings import PrechatFields, WebchatConfig

MESSAGE_LIMIT = 5000
Text200 = Annotated[str, Field(max_length=200)]


class Topic(BaseModel):
    code: str
    name: str


class ChatConfig(BaseModel):
    """What the widget needs before the visitor starts: texts, the form, whether we are open."""

    tenant_name: str
    language: str
    texts: dict[str, str]
    fields: PrechatFields
    topics: list[Topic]
    open: bool = Field(description="business hours, or an agent is available now")
    busy: bool = Field(description="the expected wait is longer than the tenant allows")
    estimated_wait_seconds: int | None
    callbacks: bool = Field(description="the tenant takes callback requests (a callback queue)")
    max_file_bytes: int
    file_types: list[str]


class StartIn(BaseModel):
    """The form before the chat, and the first message."""

    model_config = ConfigDict(extra="forbid")

    name: Text200 = ""
    email: Annotated[str, Field(max_length=320)] = ""
    phone: Annotated[str, Field(max_length=50)] = ""
    topic: Annotated[str, Field(max_length=100)] = ""
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_LIMIT)]
    identity: Annotated[str, Field(max_length=4096)] = ""
    context: Annotated[str, Field(max_length=500)] = ""  # a help-portal visit (signed)
    page: Annotated[str, Field(max_length=2000)] = ""
    language: Annotated[str, Field(max_length=16)] = ""


class FileOut(BaseModel):
    id: uuid.UUID
    name: str
    content_type: str
    size: int


class VisitorMessage(BaseModel):
    """A message as the visitor sees it: plain text, and the agent's first name only."""

    id: uuid.UUID
    at: datetime
    sender: Literal["visitor", "agent"]
    author: str | None
    text: str
    files: list[FileOut] = []


class Status(BaseModel):
    """Where the conversation stands."""

    state: Literal["waiting", "connecting", "active", "ended"]
    position: int | None = None
    estimated_wait_seconds: int | None = None
    agent: str | None = Field(default=None, description="the agent's first name")


class Started(BaseModel):
    token: str = Field(description="the conversation token: keep it to resume the chat")
    status: Status
    message: VisitorMessage


class History(BaseModel):
    status: Status
    messages: list[VisitorMessage]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MESSAGE_LIMIT)]


class TypingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    typing: bool = True


class LeaveMessageIn(BaseModel):
    """A written message instead of a chat (outside hours, or when the wait is long)."""

    model_config = ConfigDict(extra="forbid")

    name: Text200 = ""
    email: Annotated[str, Field(max_length=320)] = ""
    phone: Annotated[str, Field(max_length=50)] = ""
    topic: Annotated[str, Field(max_length=100)] = ""
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_LIMIT)]
    identity: Annotated[str, Field(max_length=4096)] = ""
    page: Annotated[str, Field(max_length=2000)] = ""


class CallbackIn(BaseModel):
    """A request to be called back."""

    model_config = ConfigDict(extra="forbid")

    name: Text200 = ""
    phone: Annotated[str, Field(max_length=50)] = Field(
        "", description="the number to call; may be left out when the identity signs one"
    )
    when: Text200 = ""
    topic: Annotated[str, Field(max_length=100)] = ""
    message: Annotated[str, Field(max_length=MESSAGE_LIMIT)] = ""
    identity: Annotated[str, Field(max_length=4096)] = ""
    page: Annotated[str, Field(max_length=2000)] = ""


class IdentityIn(BaseModel):
    """The identity token the site gave the widget."""

    model_config = ConfigDict(extra="forbid")

    identity: Annotated[str, Field(max_length=4096)] = ""


class VisitorIdentity(BaseModel):
    """What the widget may know of a signed-in visitor: whether the token checks out, the
    name the site signed, and whether it signed a phone number (no values beyond the name)."""

    verified: bool
    name: str = ""
    phone: bool = False


class Received(BaseModel):
    """A written contact was taken in (nothing of the customer's record is shown)."""

    received: bool = True


class WebchatIn(WebchatConfig):
    """The tenant's web chat settings; `rotate_identity_secret` makes a new identity secret."""

    rotate_identity_secret: bool = False


class WebchatOut(WebchatConfig):
    """The settings; the identity secret only in the answer that made it."""

    identity_secret_set: bool
    identity_secret: str | None = Field(
        default=None, description="shown once, when made: sign identity tokens with it"
    )
    embed: str = Field(description="the tag to put on the site's pages")
