"""E-mail messages as the standard library builds them: headers, plain text and HTML."""

import html
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import nh3

# how many earlier Message-IDs a References header keeps (the first is the thread's start)
MAX_REFERENCES = 20
# 7-bit bodies (quoted-printable or base64 beyond ASCII): fit for servers without 8BITMIME
_SEVEN_BIT = SMTP.clone(cte_type="7bit")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class Mail:
    """One e-mail to build: who from and to, the subject, the text and its thread."""

    from_address: str
    from_name: str
    to: list[str]
    subject: str
    body: str
    message_id: str
    date: datetime
    content_type: str = "text/plain"
    references: list[str] = field(default_factory=list)


def message_id_for(message_id: uuid.UUID, from_address: str) -> str:
    """The Message-ID of a stored message: the same on every try, unique to the message."""
    domain = from_address.rpartition("@")[2] or "omniline.invalid"
    return f"<{message_id}@{domain}>"


def build(mail: Mail) -> EmailMessage:
    """A MIME message: multipart/alternative with the text and a simple HTML version."""
    message = EmailMessage(policy=_SEVEN_BIT)
    message["From"] = sender(mail.from_address, mail.from_name)
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    references = kept_references(mail.references)
    if references:
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references)
    text, markup = _parts(mail.body, mail.content_type)
    message.set_content(text)
    message.add_alternative(markup, subtype="html")
    return message


def sender(address: str, name: str) -> Address:
    """The From header's address, with the display name encoded as the standard says."""
    local, _, domain = address.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def kept_references(references: list[str]) -> list[str]:
    """The thread's first message and the latest ones, as RFC 5322 suggests when trimming."""
    if len(references) <= MAX_REFERENCES:
        return list(references)
    return [references[0], *references[-(MAX_REFERENCES - 1) :]]


def _parts(body: str, content_type: str) -> tuple[str, str]:
    if content_type == "text/html":
        safe = nh3.clean(body)
        return html.unescape(nh3.clean(body, tags=set())), _page(safe)
    return body, _page(text_to_html(body))


def text_to_html(text: str) -> str:
    """Plain text as HTML: everything escaped, paragraphs and line breaks kept."""
    paragraphs = [p.strip("\n") for p in _BLANK_LINES.split(text.replace("\r\n", "\n"))]
    return "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p.strip()
    )


def _page(content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: sans-serif; line-height: 1.4">\n'
        f"{content}\n</body></html>\n"
    )
