"""Helpers the tests share: factories built on the services and the public API."""
