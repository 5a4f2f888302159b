"""Alembic migrations, the same revisions for SQLite and PostgreSQL."""
