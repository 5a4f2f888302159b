"""Translations of the pages: English is the source; catalogs map English text to ru and pl.

Catalogs are JSON files in `locale/<language>/`, one per part of the product (portal, staff
pages...), keyed by the English text, so a translator edits flat files and a missing entry
falls back to English.
"""

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("en", "ru", "pl")
NAMES = {"en": "English", "ru": "Русский", "pl": "Polski"}
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "omniline_lang"

Translate = Callable[..., str]


@cache
def catalog(language: str) -> Mapping[str, str]:
    """The language's catalog: all its files merged. English needs entries only for keys
    that are not themselves English text (such as "status:open")."""
    merged: dict[str, str] = {}
    if language not in LANGUAGES:
        return merged
    for path in sorted((LOCALE_DIR / language).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translator(language: str) -> Translate:
    """`_("text", name=value)`: the text in the language, with {name} filled in."""
    table = catalog(language)

    def translate(text: str, **values: object) -> str:
        made = table.get(text) or text
        return made.format(**values) if values else made

    return translate


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
