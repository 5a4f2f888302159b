"""Maps a channel kind to its adapter."""

from omniline.channels.base import ChannelAdapter
from omniline.kit.errors import NotFound


class ChannelRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, ChannelAdapter] = {}

    def register(self, adapter: ChannelAdapter) -> None:
        """Add or replace the adapter for its kind."""
        self._adapters[adapter.kind] = adapter

    def get(self, kind: str) -> ChannelAdapter:
        """The adapter of a kind, or 404."""
        adapter = self._adapters.get(kind)
        if adapter is None:
            raise NotFound(f"no channel adapter of kind '{kind}'")
        return adapter

    def kinds(self) -> list[str]:
        """Every registered kind."""
        return sorted(self._adapters)
