"""Durable background jobs from the outbox table, run by in-process or separate workers."""
