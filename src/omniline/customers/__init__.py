"""Customers and the identities they reach us by."""
