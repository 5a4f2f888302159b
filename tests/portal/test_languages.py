# ruff: noqa: RUF001 (Cyrillic letters are meant)
"""The portal in the visitor's language: every page without an English UI text left, reason
names per language, one version of each topic per list, translations linked both ways, counts
of topics, plural forms (issue 12)."""

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from omniline.web import i18n
from omniline.web.templating import TEMPLATES
from tests.conftest import World
from tests.portal.test_pages import API, HELP, publish, token_of
from tests.portal.test_status import contact

CALL = re.compile(r"""_\(\s*(?:"([^"]*)"|'([^']*)')""")
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


def english_texts() -> set[str]:
    """What the portal must translate: the portal catalogs' keys and English plural forms,
    and every text its templates pass to _()."""
    texts: set[str] = set()
    for language in i18n.LANGUAGES:
        for key, entry in i18n.part_catalog(language, "portal").items():
            texts.add(key)
            if language == "en" and isinstance(entry, dict):
                texts.update(entry.values())
    for path in [
        *TEMPLATES.glob("portal/*.html"),
        TEMPLATES / "base.html",
        TEMPLATES / "error.html",
    ]:
        texts.update(a or b for a, b in CALL.findall(path.read_text(encoding="utf-8")))
    return {t for t in texts if t and not t.endswith(":") and not t.startswith("status:")}


def _pattern(text: str) -> re.Pattern[str]:
    """A text with its {placeholders} matching anything."""
    parts = re.split(r"\{\w+\}", text)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


class Shown(HTMLParser):
    """The texts a visitor sees or hears: text nodes and the attributes read out."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(" ".join(data.split()))


def english_left(page: str, language: str) -> list[str]:
    """UI texts shown in English though the language has them translated."""
    table = i18n.catalog(language, "portal")
    wanted = [
        (text, _pattern(text))
        for text in english_texts()
        if text not in i18n.NAMES.values() and table.get(text) not in (None, text)
    ]
    wanted += [(t, _pattern(t)) for t in english_texts() if t not in table and len(t) > 3]
    return sorted(
        {shown for shown in Shown(page).texts for text, p in wanted if p.fullmatch(shown)}
    )


async def _api(client: httpx.AsyncClient, world: World, method: str, path: str, **kw: Any) -> Any:
    response = await client.request(method, API + path, headers=world.auth("supervisor"), **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def bank(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Cards (named in pl and ru) with an article in English, Polish and Russian linked as
    translations, and one in English only; linked to the category and its section."""
    cards = await _api(
        client, world, "POST", "/reasons",
        json={"code": "cards", "name": "Cards", "names": {"pl": "Karty", "ru": "Карты"}},
    )  # fmt: skip
    blocked = await _api(
        client, world, "POST", "/reasons",
        json={"code": "cards.blocked", "name": "Blocked card", "parent_id": cards["id"],
              "names": {"pl": "Zablokowana karta", "ru": "Заблокированная карта"}},
    )  # fmt: skip
    both = [blocked["id"], cards["id"]]  # the article that appeared twice: two reasons
    en = await publish(
        client, world, "Unblocking a card after three wrong PINs",
        "<p>Visit a branch with an identity document.</p>", reasons=both, tags=["pin"],
    )  # fmt: skip
    pl = await publish(
        client, world, "Jak odblokować kartę po trzech błędnych PIN-ach",
        "<p>Przyjdź do oddziału z dokumentem.</p>", reasons=both, language="pl",
        translation_of=en["id"],
    )  # fmt: skip
    ru = await publish(
        client, world, "Как разблокировать карту после трёх неверных PIN",
        "<p>Приходите в отделение с документом.</p>", reasons=both, language="ru",
        translation_of=pl["id"],  # a translation of a translation joins the same group
    )  # fmt: skip
    travel = await publish(
        client, world, "Travelling abroad with your card", "<p>Your card works abroad.</p>",
        reasons=[cards["id"]],
    )  # fmt: skip
    return {"en": en, "pl": pl, "ru": ru, "travel": travel}


async def pages(client: httpx.AsyncClient, world: World, made: dict[str, Any]) -> dict[str, str]:
    """Every portal page, each in the language the client asked for last."""
    got: dict[str, str] = {}

    async def get(name: str, path: str, **params: Any) -> httpx.Response:
        response = await client.get(path, params=params)
        got[name] = response.text
        return response

    await get("home", HELP)
    await get("category", f"{HELP}/categories/cards")
    await get("article", f"{HELP}/articles/{made['travel']['slug']}")
    await get("voted", f"{HELP}/articles/{made['travel']['slug']}", voted="yes")
    await get("search", f"{HELP}/search", q="card")
    await get("nothing found", f"{HELP}/search", q="zzzzqqq")
    form = await get("contact", f"{HELP}/contact")
    await get("callback", f"{HELP}/contact", kind="callback")
    refused = await client.post(
        f"{HELP}/contact", data={"token": token_of(form.text), "kind": "message", "message": ""}
    )
    got["contact refused"] = refused.text
    await get("status", f"{HELP}/status")
    await get("missing", f"{HELP}/articles/no-such-article")
    ann = await contact(client, world, "ann@example.com", "+442079460018", "Where is my card?")
    link = await client.post(
        f"{API}/cases/{ann['case_id']}/status-link", headers=world.auth("agent")
    )
    opened = await client.get(link.json()["url"].removeprefix("http://testserver"))
    await get("case", opened.headers["location"])
    return got


@pytest.mark.parametrize("language", ["pl", "ru"])
async def test_no_portal_page_shows_an_english_ui_text(
    client: httpx.AsyncClient, world: World, language: str
) -> None:
    made = await bank(client, world)
    await client.get(HELP, params={"lang": language})  # chosen once, kept by the cookie
    shown = await pages(client, world, made)
    assert len(shown) == 12
    left = {name: english_left(page, language) for name, page in shown.items()}
    assert {name: texts for name, texts in left.items() if texts} == {}
    for name, page in shown.items():
        assert f'<html lang="{language}">' in page, name
    search = i18n.part_catalog(language, "portal")["Search"]
    assert f'<button type="submit">{search}</button>' in shown["home"]  # not staff's noun


async def test_the_check_finds_english_left_on_a_page(
    client: httpx.AsyncClient, world: World
) -> None:
    """The check itself: an English page read as Polish is all English."""
    made = await bank(client, world)
    shown = await pages(client, world, made)
    left = english_left(shown["home"], "pl")
    assert {"Search", "Help center", "Contact us", "Topics"} <= set(left)
    assert "1 article" in english_left(shown["home"], "pl") or "2 articles" in left


async def test_lists_show_each_topic_once_in_the_visitors_language(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await bank(client, world)
    polish = await client.get(f"{HELP}/categories/cards", params={"lang": "pl"})
    assert "<h1>Karty</h1>" in polish.text
    assert "<h2>Zablokowana karta</h2>" in polish.text
    assert polish.text.count("Jak odblokować kartę") == 1  # linked to two reasons: once
    assert "Unblocking a card" not in polish.text  # the topic has a Polish version
    assert "Как разблокировать" not in polish.text
    assert polish.text.count("Travelling abroad") == 1  # English only: shown, marked English
    assert '<span class="tag">English</span>' in polish.text
    home = await client.get(HELP)
    assert "<strong>Karty</strong>" in home.text
    assert "2 artykuły" in home.text  # two topics, not four articles
    assert home.text.count("Jak odblokować kartę") == 1
    assert "Unblocking a card" not in home.text
    russian = await client.get(f"{HELP}/contact", params={"lang": "ru"})
    assert ">Карты</option>" in russian.text
    assert ">— Заблокированная карта</option>" in russian.text
    english = await client.get(f"{HELP}/categories/cards", params={"lang": "en"})
    assert "<h1>Cards</h1>" in english.text
    assert "Unblocking a card" in english.text
    assert "Jak odblokować" not in english.text
    found = await client.get(f"{HELP}/search", params={"q": "PIN", "lang": "pl"})
    assert found.text.count("odblokować kartę") == 1
    assert "Unblocking a card" not in found.text  # the same topic found in Polish
    assert made["en"]["slug"] not in found.text


async def test_translations_are_linked_both_ways(client: httpx.AsyncClient, world: World) -> None:
    made = await bank(client, world)
    for language, other in (("en", "pl"), ("pl", "ru"), ("ru", "en")):
        page = await client.get(f"{HELP}/articles/{made[language]['slug']}")
        assert f'href="/help/acme/articles/{made[other]["slug"]}" lang="{other}"' in page.text
    alone = await client.get(f"{HELP}/articles/{made['travel']['slug']}")
    assert 'class="translations"' not in alone.text
    row = await _api(client, world, "GET", f"/articles/{made['en']['id']}")
    assert sorted(t["language"] for t in row["translations"]) == ["pl", "ru"]
    assert row["translation_group"] == made["en"]["id"]  # the first article names the group


async def test_a_translation_group_has_one_article_per_language(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await bank(client, world)
    second = await _api(
        client, world, "POST", "/articles",
        json={"title": "Odblokowanie", "body": "<p>x</p>", "language": "pl"},
    )  # fmt: skip
    clash = await client.patch(
        f"{API}/articles/{second['id']}",
        headers=world.auth("supervisor"),
        json={"translation_of": made["en"]["id"]},
    )
    assert clash.status_code == 409
    assert made["pl"]["slug"] in clash.json()["error"]["message"]
    relanguage = await client.patch(
        f"{API}/articles/{made['ru']['id']}",
        headers=world.auth("supervisor"),
        json={"language": "pl"},
    )
    assert relanguage.status_code == 409
    theirs = await client.post(
        "/api/v1/tenants/globex/articles",
        headers=world.auth("other_api"),
        json={"title": "Globex card", "body": "<p>x</p>", "language": "de"},
    )
    foreign = await client.patch(
        f"{API}/articles/{made['en']['id']}",
        headers=world.auth("supervisor"),
        json={"translation_of": theirs.json()["id"]},
    )
    assert foreign.status_code == 404  # another tenant's article does not exist here
    itself = await client.patch(
        f"{API}/articles/{made['en']['id']}",
        headers=world.auth("supervisor"),
        json={"translation_of": made["en"]["id"]},
    )
    assert itself.status_code == 422
    unlinked = await client.patch(
        f"{API}/articles/{made['pl']['id']}",
        headers=world.auth("supervisor"),
        json={"translation_of": None},
    )
    assert unlinked.status_code == 200
    assert unlinked.json()["translations"] == []
    english = await _api(client, world, "GET", f"/articles/{made['en']['id']}")
    assert [t["language"] for t in english["translations"]] == ["ru"]


@pytest.mark.parametrize(
    ("language", "n", "made"),
    [
        ("en", 1, "1 article found"),
        ("en", 2, "2 articles found"),
        ("pl", 1, "Znaleziono 1 artykuł"),
        ("pl", 3, "Znaleziono 3 artykuły"),
        ("pl", 5, "Znaleziono 5 artykułów"),
        ("pl", 22, "Znaleziono 22 artykuły"),
        ("ru", 1, "Найдена 1 статья"),
        ("ru", 21, "Найдена 21 статья"),
        ("ru", 3, "Найдено 3 статьи"),
        ("ru", 11, "Найдено 11 статей"),
    ],
)
def test_counts_take_the_plural_form_of_their_number(language: str, n: int, made: str) -> None:
    assert i18n.translator(language, "portal")("{n} articles found", n=n) == made


async def test_one_result_is_one_article(client: httpx.AsyncClient, world: World) -> None:
    await bank(client, world)
    found = await client.get(f"{HELP}/search", params={"q": "abroad", "lang": "en"})
    assert "1 article found" in found.text


def test_plural_forms_are_complete_for_each_language() -> None:
    needed = {"en": {"one", "other"}, "pl": {"one", "few", "many", "other"}}
    needed["ru"] = needed["pl"]
    for language, forms in needed.items():
        for path in (i18n.LOCALE_DIR / language).glob("*.json"):
            for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
                if isinstance(entry, dict):
                    assert set(entry) == forms, (language, key)
