"""What the customers API accepts and answers."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(max_length=200)]
Language = Annotated[
    str,
    Field(
        min_length=2,
        max_length=16,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="a language tag such as 'en' or 'pt-BR'",
    ),
]
Address = Annotated[str, Field(max_length=2000)]
Notes = Annotated[str, Field(max_length=10_000)]


class PiiField(StrEnum):
    """Sensitive personal data; each is readable only with its own permission."""

    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    DOCUMENTS = "documents"


class Document(BaseModel):
    """An identity document (passport, national id, driving licence ...)."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1, max_length=50, examples=["passport"])]
    number: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(min_length=2, max_length=2, examples=["GB"])] | None = None


Documents = Annotated[list[Document], Field(max_length=20)]


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1, max_length=32, examples=["email"])]
    value: Annotated[str, Field(min_length=1, max_length=320, examples=["ada@example.com"])]


class CustomerIn(BaseModel):
    """A new customer; address and documents need the permission 'pii.write'."""

    model_config = ConfigDict(extra="forbid")

    display_name: Name = ""
    language: Language | None = None
    vip: bool = False
    notes: Notes = ""
    address: Address | None = None
    documents: Documents = []
    identities: Annotated[list[IdentityIn], Field(max_length=50)] = []


class CustomerPatch(BaseModel):
    """Fields to change; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    display_name: Name | None = None
    language: Language | None = None
    vip: bool | None = None
    notes: Notes | None = None
    address: Address | None = None
    documents: Documents | None = None


class IdentityOut(BaseModel):
    id: uuid.UUID
    kind: str
    value: str
    verified: bool = Field(description="proven: signed by the tenant's site, or a code came back")
    typed: bool = Field(
        description="typed by a visitor on a form: where to answer them, not proof of who they "
        "are (never used to find a customer)"
    )
    masked: bool = Field(description="true when value is masked for the caller")
    created_at: datetime


class CustomerOut(BaseModel):
    id: uuid.UUID
    display_name: str
    language: str | None
    vip: bool
    notes: str
    address: str | None
    documents: list[Document]
    identities: list[IdentityOut]
    merged_into_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime | None
    masked: list[PiiField] = Field(
        description="sensitive fields shown masked in this answer (the caller may not read "
        "them, or did not ask with reveal=true)"
    )
    revealed: list[PiiField] = Field(
        description="sensitive fields shown unmasked in this answer; each such read is audited"
    )


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: uuid.UUID = Field(description="the customer merged into the one in the path")


class MergeOut(BaseModel):
    id: uuid.UUID
    source_id: uuid.UUID
    target_id: uuid.UUID
    moved: dict[str, list[uuid.UUID]]
    merged_by: uuid.UUID | None
    created_at: datetime
    undone_at: datetime | None
    undone_by: uuid.UUID | None


class SuggestionOut(BaseModel):
    """A suggested merge: `customer_id` typed details that `candidate_id` holds. Confirming
    merges customer_id into candidate_id; dismissing keeps them apart."""

    id: uuid.UUID
    customer_id: uuid.UUID
    candidate_id: uuid.UUID
    kinds: list[str] = Field(description="the kinds of detail that matched: email, phone")
    status: str
    merge_id: uuid.UUID | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    created_at: datetime
