from tests.channels.email.conftest import email_channel
from tests.channels.email.smtp import certificates, smtp_server
from tests.jobs.helpers import clock

__all__ = ["certificates", "clock", "email_channel", "smtp_server"]
