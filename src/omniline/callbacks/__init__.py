"""Callbacks: calls promised to customers, made as outbound voice contacts when due."""
