"""A person's own account and invitations as the API shows them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: Annotated[str, Field(min_length=1, max_length=1000)]
    new_password: Annotated[str, Field(min_length=1, max_length=1000)]


class SessionOut(BaseModel):
    token: str = Field(description="the new login session: every earlier one was closed")
    expires_in: int


class MyInvitationOut(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    tenant_name: str
    role: str
    created_at: datetime
    expires_at: datetime


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=200)]


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    active: bool
