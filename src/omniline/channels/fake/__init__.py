"""A fake channel for tests: it records what is sent and can be told to fail."""
