"""The adapters an installation ships with: the one place that names concrete adapters."""

from omniline.channels.api.adapter import ApiChannel
from omniline.channels.email.adapter import EmailChannel
from omniline.channels.fake.adapter import FakeChannel
from omniline.channels.registry import ChannelRegistry
from omniline.channels.webchat.adapter import WebchatChannel


def default_registry() -> ChannelRegistry:
    """A registry with every shipped adapter."""
    registry = ChannelRegistry()
    registry.register(ApiChannel())
    registry.register(EmailChannel())
    registry.register(FakeChannel())
    registry.register(WebchatChannel())
    return registry
