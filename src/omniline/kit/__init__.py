"""Shared building blocks that know nothing of the contact-center domain."""
