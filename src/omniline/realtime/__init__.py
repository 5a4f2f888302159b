"""Realtime: events to agents and supervisors, after commit, resumable by event id."""
