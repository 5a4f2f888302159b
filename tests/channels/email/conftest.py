import pytest

from omniline.channels.email.adapter import EmailChannel
from omniline.runtime import Runtime
from tests.channels.email.smtp import Certificates, certificates, smtp_server

__all__ = ["certificates", "email_channel", "smtp_server"]


@pytest.fixture
def email_channel(runtime: Runtime, certificates: Certificates) -> EmailChannel:
    """The installation's e-mail adapter, trusting the test's certificate authority."""
    adapter = EmailChannel(runtime.settings.egress, tls_context=certificates.client_context())
    runtime.channels.register(adapter)
    return adapter
