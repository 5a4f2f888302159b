"""What the reason endpoints read and answer."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from omniline.models import ContactReason

Code = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$", examples=["cards"])
]
Name = Annotated[str, Field(min_length=1, max_length=200, examples=["Cards"])]
Description = Annotated[str, Field(max_length=2000)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z]+)?$", max_length=16)]
Names = Annotated[
    dict[LanguageCode, Name],
    Field(
        max_length=50,
        description="the name in other languages, by language code; replaces all of them",
        examples=[{"pl": "Karty", "ru": "Карты"}],
    ),
]


class ReasonOut(BaseModel):
    """One contact reason; `parent_id` is null at the top of the taxonomy."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    name: str
    names: dict[str, str] = Field(description="the name in other languages, by language code")
    description: str
    active: bool
    created_at: datetime


class ReasonNode(ReasonOut):
    """A reason with its sub-reasons."""

    children: list["ReasonNode"] = []

    @classmethod
    def tree(cls, rows: Sequence[ContactReason]) -> list["ReasonNode"]:
        """Nest a flat list of reasons under their parents, keeping the list's order."""
        nodes = {row.id: cls.model_validate(row) for row in rows}
        roots: list[ReasonNode] = []
        for row in rows:
            parent = nodes.get(row.parent_id) if row.parent_id is not None else None
            (parent.children if parent is not None else roots).append(nodes[row.id])
        return roots


class ReasonCreate(BaseModel):
    """A new reason, at the top or under `parent_id`."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    names: Names = {}
    parent_id: uuid.UUID | None = None
    description: Description = ""


class ReasonPatch(BaseModel):
    """Fields to change; `parent_id: null` moves the reason to the top of the taxonomy."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    names: Names | None = None
    description: Description | None = None
    active: bool | None = None
    parent_id: uuid.UUID | None = None
