"""The e-mail adapter: sends over SMTP (STARTTLS, TLS or a local relay) with aiosmtplib.

Inbound e-mail (IMAP mailboxes, SMTP receiving) is not here yet: webhooks are refused.
A server's 4xx answer or a lost connection may pass on a later try; a 5xx answer, a refused
login or a certificate that does not check out will not, until someone changes something.
"""

import contextlib
import ssl
from collections.abc import Iterator, Mapping

import aiosmtplib
from pydantic import ValidationError

from omniline.channels.base import (
    AccountConfig,
    Capabilities,
    InboundMessage,
    OutboundMessage,
    ParseFailed,
    SendFailed,
    SendResult,
    VerificationFailed,
)
from omniline.channels.email.mime import Mail, build, message_id_for
from omniline.channels.email.settings import EmailAccount, Security, read_config
from omniline.kit.clock import utcnow

# per SMTP step; a whole send stays well inside the worker's limit for one job
TIMEOUT_SECONDS = 15.0


class EmailChannel:
    kind = "email"
    capabilities = Capabilities(realtime=False, threads=True, attachments=False)

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        # None: the system's trusted certificates; tests pass one that trusts their own
        self._tls_context = tls_context

    def verify(self, account: AccountConfig, headers: Mapping[str, str], body: bytes) -> None:
        """Refuse webhooks: e-mail will come from mailboxes."""
        raise VerificationFailed("e-mail is not received through webhooks")

    def parse(
        self, account: AccountConfig, headers: Mapping[str, str], body: bytes
    ) -> list[InboundMessage]:
        """Never reached (verify refuses); kept for the protocol."""
        raise ParseFailed("e-mail is not received through webhooks")

    async def send(self, account: AccountConfig, message: OutboundMessage) -> SendResult:
        """Hand the message to the tenant's SMTP server; sent, not yet known to be delivered."""
        settings = _settings(account)
        # one addressee: the chosen address, else the customer's first (never all of their
        # addresses, which may include ones they keep apart, such as work and home)
        to = [r.value for r in message.recipients if r.kind == "email"][:1]
        if not to:
            raise SendFailed("the customer has no e-mail address to send to", retry=False)
        message_id = message.external_id or message_id_for(
            message.message_id, settings.from_address
        )
        mail = Mail(
            from_address=settings.from_address,
            from_name=settings.from_name,
            to=to,
            subject=message.subject,
            body=message.body,
            message_id=message_id,
            date=utcnow(),
            content_type=message.content_type,
            references=message.references,
        )
        await self._submit(settings, mail)
        return SendResult(external_id=message_id, delivered=False)

    async def _submit(self, settings: EmailAccount, mail: Mail) -> None:
        with _failures(settings):
            async with self.client(settings) as client:
                await client.send_message(build(mail))

    async def check(self, settings: EmailAccount) -> None:
        """Connect, secure the connection and log in as a send would, then say goodbye;
        raise SendFailed as a send would."""
        with _failures(settings):
            async with self.client(settings) as client:
                await client.noop()

    def client(self, settings: EmailAccount) -> aiosmtplib.SMTP:
        """An SMTP client for the account (not yet connected)."""
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.port,
            username=settings.smtp_username or None,
            password=settings.password or None,
            use_tls=settings.smtp_security is Security.TLS,
            start_tls=settings.smtp_security is Security.STARTTLS,
            tls_context=self._tls_context,
            timeout=TIMEOUT_SECONDS,
        )


@contextlib.contextmanager
def _failures(settings: EmailAccount) -> Iterator[None]:
    """Turn what can go wrong talking to the server into SendFailed."""
    where = f"{settings.smtp_host}:{settings.port}"
    try:
        yield
    except aiosmtplib.SMTPException as exc:
        raise explain(where, exc) from exc
    except ssl.SSLError as exc:
        raise SendFailed(f"TLS with {where} failed: {exc}", retry=False) from exc
    except OSError as exc:
        raise SendFailed(f"cannot reach the SMTP server {where}: {exc}") from exc


def _settings(account: AccountConfig) -> EmailAccount:
    if not account.config:
        raise SendFailed(
            "outbound e-mail is not set up for this tenant (any more): an administrator must "
            "configure it",
            retry=False,
        )
    try:
        return read_config(dict(account.config), account.secret)
    except ValidationError as exc:
        raise SendFailed(
            f"the e-mail account '{account.name}' is not set up right: {exc.errors()[0]['msg']}",
            retry=False,
        ) from exc


def explain(where: str, exc: aiosmtplib.SMTPException) -> SendFailed:
    """What went wrong, in the server's words, and whether another try may help."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused)
        temporary = any(400 <= r.code < 500 for r in refused)
        return SendFailed(f"SMTP {where} refused the recipient: {text}", retry=temporary)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return SendFailed(
            f"SMTP {where} refused the login ({exc.code} {exc.message}): an administrator must "
            "check the user name and password",
            retry=400 <= exc.code < 500,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendFailed(
            f"SMTP {where} answered {exc.code} {exc.message}", retry=400 <= exc.code < 500
        )
    if _tls_failure(exc):
        return SendFailed(f"TLS with {where} failed: {exc.message}", retry=False)
    if isinstance(exc, _CONNECTION_PROBLEMS):
        return SendFailed(f"cannot reach the SMTP server {where}: {exc.message}")
    # what is left is the client refusing what the server offers (no STARTTLS, no AUTH...)
    return SendFailed(f"SMTP {where}: {exc.message}", retry=False)


_CONNECTION_PROBLEMS = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPServerDisconnected,
)


def _tls_failure(exc: BaseException) -> bool:
    """Whether a certificate or TLS handshake problem lies under the error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
