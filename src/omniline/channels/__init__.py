"""Channels: one adapter per way customers reach us, all behind one protocol."""
