"""Translations of the pages: English is the source; catalogs map English text to ru and pl.

Catalogs are JSON files in `locale/<language>/`, one per part of the product (portal, staff
pages...), keyed by the English text, so a translator edits flat files and a missing entry
falls back to English. A page reads its own part's file first: the same English word may be
translated differently in two parts ("Search" is a button on the portal, a heading for staff).

A text with a number in it ("{n} articles") is translated by plural forms: a JSON object from
CLDR plural category to text (`plural.py`); English gives its forms in `locale/en/`.
"""

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from omniline.web import plural

LANGUAGES = ("en", "ru", "pl")
NAMES = {"en": "English", "ru": "Русский", "pl": "Polski"}
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "omniline_lang"

Translate = Callable[..., str]


Entry = str | dict[str, str]  # a text, or its plural forms by category


@cache
def catalog(language: str, part: str = "") -> Mapping[str, Entry]:
    """The language's catalog: all its files merged, the file of `part` (e.g. "portal") last
    so that its translations win. English needs entries only for keys that are not
    themselves English text (such as "status:open") and for plural forms."""
    merged: dict[str, Entry] = {}
    if language not in LANGUAGES:
        return merged
    paths = sorted((LOCALE_DIR / language).glob("*.json"), key=lambda p: (p.stem == part, p.stem))
    for path in paths:
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def part_catalog(language: str, part: str) -> Mapping[str, Entry]:
    """The entries of one part's file alone (what its pages must translate)."""
    path = LOCALE_DIR / language / f"{part}.json"
    found: dict[str, Entry] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return found


def translator(language: str, part: str = "") -> Translate:
    """`_("text", name=value)`: the text in the language, with {name} filled in; a text with
    plural forms takes the form for its number `n`."""
    table = catalog(language, part)
    english = catalog("en", part)

    def translate(text: str, **values: object) -> str:
        entry, rules = table.get(text), language
        if not entry:  # English, with English plural rules
            entry, rules = english.get(text) or text, "en"
        made = _form(entry, rules, values)
        return made.format(**values) if values else made

    return translate


def _form(entry: Entry, language: str, values: Mapping[str, Any]) -> str:
    if isinstance(entry, str):
        return entry
    number = values.get("n")
    wanted = plural.category(language, number) if isinstance(number, int | float) else "other"
    return entry.get(wanted) or entry["other"]


def _accepted(header: str) -> list[str]:
    """Languages of an Accept-Language header, best first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, name.strip().lower().split("-")[0]))
    return [name for _, _, name in sorted(weighted) if name]


def pick_language(request: Request, default: str) -> str:
    """The visitor's language: asked for in the URL, chosen before (cookie), or the browser's."""
    for wanted in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if wanted in LANGUAGES:
            return wanted
    for wanted in _accepted(request.headers.get("accept-language", "")):
        if wanted in LANGUAGES:
            return wanted
    return default if default in LANGUAGES else "en"
