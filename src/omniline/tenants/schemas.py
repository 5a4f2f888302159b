"""Tenants, members and roles as the API shows them."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(min_length=1, max_length=63, examples=["demo-bank"])]


class TenantIn(BaseModel):
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    default_language: Annotated[str, Field(min_length=2, max_length=16)] = "en"
    default_region: Annotated[str, Field(min_length=2, max_length=2)] = "US"
    business_calendar: dict[str, Any] = {}


class CannedResponse(BaseModel):
    """A ready answer agents pick on the desk."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class TenantPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    default_language: Annotated[str, Field(min_length=2, max_length=16)] | None = None
    default_region: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    business_calendar: dict[str, Any] | None = None
    case_join_window_hours: Annotated[float, Field(ge=0, le=24 * 90)] | None = None
    canned_responses: Annotated[list[CannedResponse], Field(max_length=500)] | None = None
    break_reasons: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=50)]
        | None
    ) = None
    wrap_up_reason_required: bool | None = None
    portal_enabled: bool | None = None
    # an agent whose desks are all silent this long goes away (a desk beats every 20 s)
    desk_timeout_seconds: Annotated[int, Field(ge=30, le=3600)] | None = None
    callback_queue_id: uuid.UUID | None = Field(
        None,
        description="the voice queue callbacks asked for on the help portal and in the web chat "
        "wait in; null: callbacks are not offered there",
    )


class TenantOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    default_language: str
    default_region: str
    business_calendar: dict[str, Any]
    settings: dict[str, Any]
    created_at: datetime
    warnings: list[str] = Field(
        default=[], description="what is not working as one might expect, and how to fix it"
    )


class RoleIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    permissions: Annotated[list[str], Field(max_length=100)]


class RoleOut(BaseModel):
    id: uuid.UUID
    name: str
    builtin: bool
    permissions: list[str]


class MemberIn(BaseModel):
    """An address to invite; `name` and `password` are used only if nobody has the address
    yet (an existing person keeps their own), and the answer is the same either way."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]
    role: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(max_length=200)] = ""
    password: Annotated[str, Field(max_length=1000)] | None = None


class MemberPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Annotated[str, Field(min_length=1, max_length=64)]


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: str


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    state: str
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    code: str = Field(
        description="shown once: give it to the person, who accepts the invitation with it "
        "while logged in as this address (POST /api/v1/me/invitations/{id}/accept)"
    )
