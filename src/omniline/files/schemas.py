"""What the files endpoints answer."""

import uuid

from pydantic import BaseModel


class SentFileOut(BaseModel):
    """The reply that carried a file to the customer."""

    message_id: uuid.UUID
    file_id: uuid.UUID
    name: str
