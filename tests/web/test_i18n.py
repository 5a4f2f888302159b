"""Every text on the pages has its Russian and Polish translation; the language is chosen well."""

import re

import pytest
from starlette.requests import Request

from omniline.web import i18n
from omniline.web.templating import TEMPLATES

CALL = re.compile(r"""_\(\s*(?:"([^"]*)"|'([^']*)')""")


def template_texts() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        for double, single in CALL.findall(path.read_text(encoding="utf-8")):
            text = double or single
            if not text.endswith(":"):  # prefixes such as "status:" are completed at run time
                found.add(text)
    return found


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_every_page_text_is_translated(language: str) -> None:
    texts = template_texts()
    assert len(texts) > 40
    missing = sorted(t for t in texts if t not in i18n.catalog(language))
    assert missing == [], f"{language} lacks translations"
    for text, made in i18n.catalog(language).items():
        for form in made.values() if isinstance(made, dict) else [made]:
            assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", form)), text


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = [(b"accept-language", accept.encode())] if accept else []
    if cookie:
        headers.append((b"cookie", f"{i18n.COOKIE}={cookie}".encode()))
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_the_language_comes_from_the_url_the_cookie_the_browser_then_the_tenant() -> None:
    assert i18n.pick_language(_request("lang=pl", "ru", "ru"), "en") == "pl"
    assert i18n.pick_language(_request("lang=xx", "ru", "pl"), "en") == "ru"
    assert i18n.pick_language(_request(accept="de-DE,ru;q=0.8,pl;q=0.9"), "en") == "pl"
    assert i18n.pick_language(_request(accept="de, fr;q=bad"), "ru") == "ru"
    assert i18n.pick_language(_request(), "de") == "en"


def test_a_missing_translation_falls_back_to_english() -> None:
    _ = i18n.translator("ru")
    assert _("Not in any catalog {n}", n=3) == "Not in any catalog 3"
    assert _("{n} articles", n=3) == "3 статьи"
    assert i18n.translator("de")("{n} articles", n=1) == "1 article"  # English plural forms


def test_a_page_reads_its_own_parts_translations_first() -> None:
    """Issue 12: the portal's search button said "Wyszukiwanie" (staff's heading "Search")."""
    assert i18n.translator("pl", "portal")("Search") == "Szukaj"
    assert i18n.translator("ru", "portal")("Search") == "Найти"
    assert i18n.translator("pl", "staff")("Search") == "Wyszukiwanie"


@pytest.mark.parametrize(
    ("language", "numbers"),
    [
        ("en", {"one": [1], "other": [0, 2, 5, 11, 21, 101]}),
        (
            "pl",
            {"one": [1], "few": [2, 3, 4, 22, 24, 102], "many": [0, 5, 11, 12, 14, 21, 25, 111]},
        ),
        (
            "ru",
            {"one": [1, 21, 101, 1001], "few": [2, 4, 22, 104], "many": [0, 5, 11, 12, 14, 111]},
        ),
    ],
)
def test_plural_categories_are_cldrs(language: str, numbers: dict[str, list[int]]) -> None:
    from omniline.web.plural import category

    for wanted, values in numbers.items():
        assert [category(language, n) for n in values] == [wanted] * len(values), wanted
    assert category(language, 1.5) == "other"


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
def test_case_statuses_read_as_words(language: str) -> None:
    from omniline.models import CaseStatus

    for status in CaseStatus:
        assert f"status:{status}" in i18n.catalog(language)


@pytest.mark.parametrize("language", ["ru", "pl"])
def test_the_desk_scripts_texts_are_translated(language: str) -> None:
    from omniline.web.desk import SCRIPT_TEXTS

    catalog = i18n.catalog(language)
    assert [t for t in SCRIPT_TEXTS if t not in catalog] == []
