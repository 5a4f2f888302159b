"""Tenants: the client projects of an installation."""
