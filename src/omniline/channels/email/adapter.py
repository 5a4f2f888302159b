"""The e-mail adapter: sends over SMTP (STARTTLS, TLS or a local relay) with aiosmtplib.

Inbound e-mail (IMAP mailboxes, SMTP receiving) is not here yet: webhooks are refused.
The server is reached through the installation's egress policy (`kit/egress.py`): its name is
resolved and checked once, the connection goes to the checked address, and TLS still checks
the certificate against the configured name.
A server's 4xx answer or a lost connection may pass on a later try; a 5xx answer, a refused
login, a certificate that does not check out or a refused destination will not, until someone
changes something. Failures are told by kind and reply code, never in the server's words: the
settings are a tenant's, the server may not be a mail server at all, and what it says is not
for the tenant to read (the operator finds it in the log).
"""

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping

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
from omniline.kit.egress import EgressPolicy, EgressRefused, Unresolvable

logger = logging.getLogger(__name__)

# per SMTP step; a whole send stays well inside the worker's limit for one job
TIMEOUT_SECONDS = 15.0
# an enhanced status code at the start of a reply ("5.7.8"): a classification, not prose
_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\b")


class EmailChannel:
    kind = "email"
    capabilities = Capabilities(realtime=False, threads=True, attachments=False)

    def __init__(self, egress: EgressPolicy, tls_context: ssl.SSLContext | None = None) -> None:
        self._egress = egress
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
            async with self.session(settings) as client:
                await client.send_message(build(mail))

    async def check(self, settings: EmailAccount) -> None:
        """Connect, secure the connection and log in as a send would, then say goodbye;
        raise SendFailed as a send would."""
        with _failures(settings):
            async with self.session(settings) as client:
                await client.noop()

    @contextlib.asynccontextmanager
    async def session(self, settings: EmailAccount) -> AsyncIterator[aiosmtplib.SMTP]:
        """A connected, secured and logged-in SMTP client for the account, on a socket to the
        address the egress policy checked; TLS names the configured host."""
        async with asyncio.timeout(TIMEOUT_SECONDS):
            destination = await self._egress.resolve(settings.smtp_host, settings.port)
            sock = await destination.connect()
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            sock=sock,
            username=settings.smtp_username or None,
            password=settings.password or None,
            use_tls=settings.smtp_security is Security.TLS,
            start_tls=settings.smtp_security is Security.STARTTLS,
            tls_context=self._tls_context,
            timeout=TIMEOUT_SECONDS,
        )
        # the client owns the socket from here: its transport closes it, also on failure
        async with client:
            yield client


@contextlib.contextmanager
def _failures(settings: EmailAccount) -> Iterator[None]:
    """Turn what can go wrong reaching and talking to the server into SendFailed."""
    where = f"{settings.smtp_host}:{settings.port}"
    try:
        yield
    except EgressRefused as exc:
        raise SendFailed(f"the SMTP server is refused: {exc}", retry=False) from exc
    except Unresolvable as exc:
        raise SendFailed(f"cannot reach the SMTP server {where}: {exc}") from exc
    except aiosmtplib.SMTPException as exc:
        logger.info("SMTP %s failed: %r", where, exc)
        raise explain(where, exc) from exc
    except ssl.SSLError as exc:
        raise SendFailed(f"TLS with {where} failed: {_tls_problem(exc)}", retry=False) from exc
    except TimeoutError as exc:
        raise SendFailed(f"the SMTP server {where} did not answer in time") from exc
    except OSError as exc:
        reason = f" ({exc.strerror})" if exc.strerror else ""
        raise SendFailed(f"cannot reach the SMTP server {where}{reason}") from exc


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
    """What went wrong, by kind and reply code, and whether another try may help."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        text = "; ".join(f"{r.recipient} ({_reply(r)})" for r in refused)
        temporary = any(400 <= r.code < 500 for r in refused)
        return SendFailed(f"SMTP {where} refused the recipient: {text}", retry=temporary)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not 200 <= exc.code < 600:
        return SendFailed(f"{where} does not answer as an SMTP server does", retry=False)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return SendFailed(
            f"SMTP {where} refused the login ({_reply(exc)}): an administrator must check the "
            "user name and password",
            retry=400 <= exc.code < 500,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendFailed(f"SMTP {where} answered {_reply(exc)}", retry=400 <= exc.code < 500)
    if _tls_failure(exc) is not None:
        return SendFailed(f"TLS with {where} failed: {_tls_problem(exc)}", retry=False)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError):
        return SendFailed(f"the SMTP server {where} did not answer in time")
    if isinstance(exc, _CONNECTION_PROBLEMS):
        return SendFailed(f"cannot reach the SMTP server {where}: the connection was lost")
    # what is left is the client refusing what the server offers (no STARTTLS, no AUTH...),
    # in the client library's words
    return SendFailed(f"SMTP {where}: {exc.message}", retry=False)


def _reply(exc: aiosmtplib.SMTPResponseException) -> str:
    """The reply code and enhanced status code ("550 5.1.1"), without the server's text."""
    enhanced = _ENHANCED.match(exc.message.strip())
    return f"{exc.code} {enhanced.group(0)}" if enhanced else str(exc.code)


_CONNECTION_PROBLEMS = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected)


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The certificate or TLS handshake problem under the error, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _tls_problem(exc: BaseException) -> str:
    """Our TLS library's reason (not the server's words)."""
    found = _tls_failure(exc)
    if isinstance(found, ssl.SSLCertVerificationError):
        return f"the server's certificate does not check out ({found.verify_message})"
    reason = getattr(found, "reason", None)
    return f"the handshake failed ({reason})" if reason else "the handshake failed"
