"""The audit log: reading it and proving it was not changed."""
