"""Routing: deciding, every moment, which person handles which contact."""
