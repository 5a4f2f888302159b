"""The HTTP layer shared by every domain's endpoints: dependencies, errors, schemas."""
