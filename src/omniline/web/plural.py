"""Plural categories of the page languages, as CLDR defines them (cardinal numbers).

A translation with plural forms is a JSON object from category to text; `category` says which
one a number takes. English: one, other; Polish and Russian: one, few, many, and other (for
fractions). Written once from the CLDR rules (https://cldr.unicode.org, plurals.xml) rather than
taken from a library: three languages need a dozen lines.
"""

from decimal import Decimal

CATEGORIES = {
    "en": ("one", "other"),
    "pl": ("one", "few", "many", "other"),
    "ru": ("one", "few", "many", "other"),
}


def category(language: str, number: int | float | Decimal) -> str:
    """The plural category of a number in a language ("other" for unknown languages)."""
    value = Decimal(str(number))
    if value != value.to_integral_value():  # v != 0: every language here says "other"
        return "other"
    i = abs(int(value))
    rule = _RULES.get(language)
    return rule(i) if rule is not None else "other"


def _english(i: int) -> str:
    return "one" if i == 1 else "other"


def _polish(i: int) -> str:
    if i == 1:
        return "one"
    if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
        return "few"
    return "many"


def _russian(i: int) -> str:
    if i % 10 == 1 and i % 100 != 11:
        return "one"
    if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
        return "few"
    return "many"


_RULES = {"en": _english, "pl": _polish, "ru": _russian}
