"""The adapters an installation ships with: the one place that names concrete adapters."""

from omniline.channels.api.adapter import ApiChannel
from omniline.channels.email.adapter import EmailChannel
from omniline.channels.fake.adapter import FakeChannel
from omniline.channels.registry import ChannelRegistry
from omniline.channels.webchat.adapter import WebchatChannel
from omniline.kit.egress import EgressPolicy


def default_registry(egress: EgressPolicy) -> ChannelRegistry:
    """A registry with every shipped adapter; those that connect out obey `egress`."""
    registry = ChannelRegistry()
    registry.register(ApiChannel(egress))
    registry.register(EmailChannel(egress))
    registry.register(FakeChannel())
    registry.register(WebchatChannel())
    return registry
