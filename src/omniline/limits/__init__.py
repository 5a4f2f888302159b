"""Rate limits for public endpoints, counted in the database (so across server processes)."""
