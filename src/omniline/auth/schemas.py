"""Login and identity answers."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class LoginOut(BaseModel):
    token: str
    user_id: uuid.UUID
    expires_in: int


class MembershipOut(BaseModel):
    tenant_id: uuid.UUID
    slug: str
    name: str
    role: str
    permissions: list[str]


class MeOut(BaseModel):
    id: uuid.UUID | None
    kind: str
    email: str | None
    name: str
    superuser: bool
    tenants: list[MembershipOut]


class TokenIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    scopes: Annotated[list[str], Field(max_length=50)] | None = None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="shown once; store it now")
