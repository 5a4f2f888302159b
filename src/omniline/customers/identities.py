"""Identity kinds and how each is normalised, so that one identity always matches itself."""

import re
from enum import StrEnum

import phonenumbers

from omniline.kit.errors import InvalidInput


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    VIBER = "viber"
    VK = "vk"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TWITTER = "twitter"
    ACCOUNT = "account"
    CONTRACT = "contract"
    WEBCHAT = "webchat"
    EXTERNAL = "external"


# identities that are sensitive personal data, and the permission that reveals each
SENSITIVE_KINDS = {
    IdentityKind.EMAIL: "email",
    IdentityKind.PHONE: "phone",
    IdentityKind.WHATSAPP: "phone",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE_KINDS = {IdentityKind.TWITTER, IdentityKind.INSTAGRAM, IdentityKind.TELEGRAM}


def parse_kind(kind: str) -> IdentityKind:
    """An identity kind by name, or a 422 listing the known kinds."""
    try:
        return IdentityKind(kind.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in IdentityKind)
        raise InvalidInput(f"unknown identity kind '{kind}'; known: {known}") from None


def normalize_phone(value: str, region: str) -> str:
    """E.164 form of a phone number; numbers without a country code use the tenant's region."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"'{value}' is not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"'{value}' is not a possible phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize(kind: IdentityKind, value: str, region: str = "US") -> str:
    """The canonical form of an identity value."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"the {kind} identity is empty")
    if len(value) > 320:
        raise InvalidInput(f"the {kind} identity is longer than 320 characters")
    if kind is IdentityKind.EMAIL:
        if not _EMAIL.match(value):
            raise InvalidInput(f"'{value}' is not an e-mail address")
        return value.lower()
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        return normalize_phone(value, region)
    if kind in _HANDLE_KINDS and not value.lstrip("@").isdigit():
        return value.lstrip("@").lower()
    return value


def mask(kind: str, value: str) -> str:
    """A masked form that lets a person recognise a value without reading it."""
    if kind == IdentityKind.EMAIL and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}***@{domain}"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]
