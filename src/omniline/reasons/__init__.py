"""The contact-reason taxonomy."""
