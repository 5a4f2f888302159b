# ruff: noqa: RUF001, RUF002 (Cyrillic letters are meant)
"""Text analysis for knowledge-base search, the same for SQLite FTS5 and PostgreSQL.

Both databases only store and match the terms made here: text is normalised (NFKC, casefold,
ё -> е), split into words, stripped of stop words and stemmed with Snowball (English, Russian,
Polish); Latin letters lose their diacritics after stemming, so "platnosc" typed without Polish
letters meets "płatność". Every term is letters and digits only, so neither the FTS5 unicode61
tokenizer nor PostgreSQL's 'simple' parser splits it again. Typos are corrected against the
tenant's vocabulary of indexed terms, and snippets are cut from the original text and escaped.

Words and codes. A hyphenated word gives its joined form and its parts ("Wi-Fi": wifi, wi, fi;
"A-1234": a1234, 1234), so either spelling finds it; dots and slashes join only when digits are
involved ("v2.1", "12/05"). Numbers and codes are kept (order ids, error codes, hotline numbers)
and never stemmed or "corrected"; a run of 13 or more digits (a card number, an IBAN) is
dropped, so a pasted card number never becomes an index or search term. Words longer than 40
characters are dropped as noise.

Language. `language` is an ISO code ("en", "pl-PL" and "ru_RU" work too). Cyrillic words are
stemmed as Russian and Latin words as the article's language (English inside a Russian text),
so mixed texts behave. None, "" or "und" means unknown: the language is guessed from the text.
Any other code (e.g. "de") gets normalisation without stop words or stemming.
"""

import heapq
import html
import re
import sys
import threading
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from itertools import accumulate
from typing import Any

import snowballstemmer

SUPPORTED_LANGUAGES = ("en", "ru", "pl")
UNKNOWN_LANGUAGES = frozenset({"", "und", "auto"})
MAX_TERM_LENGTH = 40
MAX_DIGITS = 12  # 13+ digits look like a card number or an account: never a term
TITLE_WEIGHT = 3  # how many times title terms repeat in `IndexedText.combined`
TAGS_WEIGHT = 2

_SNOWBALL = {"en": "english", "ru": "russian", "pl": "polish"}

# Stop words: function words that carry no meaning for a help search. Written for this module;
# stored folded (no diacritics, no apostrophes), as they are compared after folding.
_STOPWORDS_TEXT = {
    "en": """a an the and or but nor if then else so than that this these those there here
        of to in on at by for with from into onto about as per via up out off over under
        is are was were be been being am do does did done have has had having will would
        shall should can could may might must it its i me my mine we us our you your yours
        he him his she her they them their what which who whom whose how when where why
        not no yes also just only very too any some all each every both either neither another
        please dont doesnt didnt cant cannot wont isnt arent wasnt im ive youre lets""",
    "ru": """и а но или либо да же ли ни не нет ну вот это этот эта эти этого этой этим
        тот та те того той том то так как что чтобы чем где когда куда зачем почему кто
        в во на с со к ко по за из изо от до у о об обо при для без над под про через
        между после перед я ты он она оно мы вы они меня мне мной тебя тебе его ему ее ей
        нас нам вас вам их им ними мой моя мое мои твой ваш ваша ваше ваши наш свой своя
        свое свои себя себе был была было были быть будет есть уже еще бы ж также
        тоже очень все всё весь вся всех можно нужно надо пожалуйста если""",
    "pl": """a i oraz lub albo ani ale lecz czy że ze to ten ta te tego tej tym tę tą ci
        tamten jak jaki jaka jakie gdzie kiedy dlaczego czemu co kto który która które
        w we na z do od po przy dla bez pod nad przed przez za o u ku między
        ja ty on ona ono my wy oni one mnie mi mną cię ciebie tobie go jego mu jemu ją jej
        nas nam nami was wam wami ich im nimi mój moja moje moi twój twoja twoje nasz
        nasza nasze wasz wasza wasze swój swoja swoje się sobie siebie jest są był była
        było byli były być będzie nie tak już jeszcze też także bardzo tylko jeśli jeżeli
        gdy aby żeby by proszę został została zostało zostali zostały zostać""",
}

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_JOINERS = "\u00ad\u200c\u200d\u2060"  # soft hyphen, zero-width (non-)joiner, word joiner
_RUN = rf"[^\W_][\w{_MARKS}{_JOINERS}]*"  # letters and digits (marks, joiners inside)
_TOKEN = re.compile(rf"{_RUN}(?:['’\-‐‑./]{_RUN})*")  # joined by ' - . or /
_INVISIBLE = re.compile(rf"[{_MARKS}{_JOINERS}]")
_PART = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_PIECE = re.compile(r"[^./]+")
_HYPHENS = frozenset("-‐‑_")
_LATIN_EXTRA = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i"})


def _fold(word: str) -> str:
    """Latin letters without diacritics, ё as е, no apostrophes: the form terms are kept in."""
    word = word.replace("ё", "е").replace("'", "")
    if word.isascii() or _CYRILLIC.search(word):
        return word
    decomposed = unicodedata.normalize("NFD", word.translate(_LATIN_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_STOPWORDS = {
    code: frozenset(_fold(word) for word in words.split())
    for code, words in _STOPWORDS_TEXT.items()
}

# Snowball leaves some forms of one verb apart; these few rules join them (stems only).
# Polish passive participles meet their verb: zablokowan(a) -> zablokow(ać), zmienion(y) ->
# zmien(ić), opłacon(y) -> opłac(ić). Russian -ова- verbs meet their present tense:
# заблокирова(ть) -> заблокир(ует).
#
# Borrowed verbs (ru -ировать, pl -ować) take a prefix only to mark the aspect or the undoing:
# блокировать, заблокировать, разблокировать and their noun блокировка are one word to a
# reader, as are blokować, zablokować, odblokować: "заблокирована карта" (the customer's words)
# must find "Как разблокировать карту". Their stems lose the prefix; the rest keep theirs
# (a prefix elsewhere often changes the meaning: закон is not кон).
_MIN_STEM = 4
_MIN_ROOT = 5  # what must be left of a stem after its prefix
_POLISH_ENDINGS = (("ion", ""), ("an", ""), ("con", "c"), ("zon", "z"), ("żon", "ż"), ("uj", "ow"))
_RUSSIAN_ENDINGS = (("ова", ""), ("ева", ""), ("ировк", "ир"))
_ASPECT = {
    "ru": ("ир", ("пере", "раз", "рас", "за", "от")),
    "pl": ("ow", ("prze", "roz", "za", "od")),
}


def _join_forms(stem: str, language: str) -> str:
    endings = _POLISH_ENDINGS if language == "pl" else _RUSSIAN_ENDINGS
    for ending, keep in endings:
        if stem.endswith(ending) and len(stem) - len(ending) + len(keep) >= _MIN_STEM:
            stem = stem[: len(stem) - len(ending)] + keep
            break
    return _without_aspect(stem, language)


def _without_aspect(stem: str, language: str) -> str:
    suffix, prefixes = _ASPECT[language]
    if not stem.endswith(suffix):
        return stem
    for prefix in prefixes:
        if stem.startswith(prefix) and len(stem) - len(prefix) >= _MIN_ROOT:
            return stem[len(prefix) :]
    return stem


_local = threading.local()  # Snowball stemmers keep state while stemming: one per thread


def _stem(word: str, language: str) -> str:
    stemmers: dict[str, Any] = _local.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = snowballstemmer.stemmer(_SNOWBALL[language])
    stem: str = stemmer.stemWord(word)
    if language in ("pl", "ru"):
        stem = _join_forms(stem, language)
    return stem


def language_code(language: str | None) -> str | None:
    """The supported language a code names ("pl-PL" -> "pl"), "" for unknown, None otherwise."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if code in UNKNOWN_LANGUAGES:
        return ""
    return code if code in SUPPORTED_LANGUAGES else None


def _word_language(word: str, language: str | None) -> str | None:
    """Which stemmer and stop words suit a word: by its script, then the text's language."""
    if language is None:
        return None
    if _CYRILLIC.search(word):
        return "ru"
    if all(ch.isdigit() or ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in word):
        return language if language in ("en", "pl") else "en"
    return None


@lru_cache(maxsize=100_000)  # words repeat a lot: most are analysed once per process
def _term(word: str, language: str | None, *, keep_stopwords: bool = False) -> str | None:
    """The index term of one normalised word, or None when it carries no meaning."""
    if len(word) > MAX_TERM_LENGTH or (len(word) == 1 and not word.isdigit()):
        return None
    folded = _fold(word)
    digits = sum(ch.isdigit() for ch in folded)
    if digits > MAX_DIGITS or not folded:
        return None
    if digits:
        return folded
    lang = _word_language(word, language)
    if lang is None:
        return folded
    if not keep_stopwords and folded in _STOPWORDS[lang]:
        return None
    stem = _stem(word.replace("ё", "е"), lang)
    return _fold(stem) or None


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    words: tuple[str, ...]  # normalised; a compound gives its joined form first, then parts


def _tokens(text: str) -> Iterator[_Token]:
    """Words of the text with their places in it, so snippets can mark the original."""
    for match in _TOKEN.finditer(text):
        at = match.start()
        for start, end, words in _split(match.group()):
            yield _Token(at + start, at + end, words)


@lru_cache(maxsize=100_000)
def _split(raw: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """The tokens one match of `_TOKEN` makes: their places in it and their words."""
    words = _words(raw)
    if words is not None:
        return ((0, len(raw), words),)
    return tuple(  # plain words joined by dots or slashes
        (piece.start(), piece.end(), _words(piece.group()) or _plain_words(piece.group()))
        for piece in _PIECE.finditer(raw)
    )


def _plain_words(raw: str) -> tuple[str, ...]:
    return tuple(_PART.findall(_normal(raw)))


def _normal(raw: str) -> str:
    normal = _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw).casefold())
    return normal.replace("’", "'")


@lru_cache(maxsize=100_000)
def _words(raw: str) -> tuple[str, ...] | None:
    """A token's normalised words: one, or a compound's joined form and its parts; None when
    only dots or slashes join plain words, which are then words of their own."""
    normal = _normal(raw)
    parts = _PART.findall(normal)
    if len(parts) <= 1:
        return tuple(parts)
    if any(ch.isdigit() or ch in _HYPHENS for ch in normal):
        return ("".join(parts), *parts)
    return None


def _token_terms(token: _Token, language: str | None) -> list[str]:
    return _terms_of(token.words, language)


def _terms_of(words: Iterable[str], language: str | None) -> list[str]:
    terms = (_term(word, language) for word in words)
    return [term for term in terms if term]


def _resolve(language: str | None, text: str) -> str | None:
    code = language_code(language)
    return guess_language(text) if code == "" else code


def analyze(text: str, language: str | None) -> list[str]:
    """The terms of a text in order, repeats kept (they count for ranking)."""
    lang = _resolve(language, text)
    return [term for token in _tokens(text) for term in _token_terms(token, lang)]


# Language guessing: Cyrillic is Russian; Latin text is Polish when it has Polish letters,
# more Polish than English function words, or Polish-looking spelling; else English.
_POLISH_LETTERS = re.compile(r"[ąćęłńśźż]")
_POLISH_SPELLING = re.compile(r"(?:rz|sz|cz|owa|ych|ej|ów|ść|nie|dz|wy|ać|ić)", re.IGNORECASE)
_ENGLISH_SPELLING = re.compile(r"(?:th|ing|ed\b|tion|ou|ea|ee|oo|ck|ph|wh)", re.IGNORECASE)


def guess_language(text: str) -> str:
    """A guess of the text's language among en, ru and pl, by script and common words."""
    sample = text[:2000].casefold()
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = sum(ch.isascii() and ch.isalpha() for ch in sample)
    if cyrillic and cyrillic >= latin:
        return "ru"
    if _POLISH_LETTERS.search(sample):
        return "pl"
    words = [_fold(word) for word in _PART.findall(sample)]
    polish = sum(2 for w in words if w in _STOPWORDS["pl"] and w not in _STOPWORDS["en"])
    english = sum(2 for w in words if w in _STOPWORDS["en"] and w not in _STOPWORDS["pl"])
    polish += sum(len(_POLISH_SPELLING.findall(w)) for w in words)
    english += sum(len(_ENGLISH_SPELLING.findall(w)) for w in words)
    return "pl" if polish > english else "en"


@dataclass(frozen=True, slots=True)
class IndexedText:
    """An article's terms per field, space-separated, for FTS5 columns or weighted tsvectors."""

    title: str
    body: str
    tags: str

    @property
    def combined(self) -> str:
        """One column's worth: title and tag terms repeated so they weigh more."""
        parts = [self.title] * TITLE_WEIGHT + [self.tags] * TAGS_WEIGHT + [self.body]
        return " ".join(part for part in parts if part)


def index_text(
    title: str, body_html: str, tags: Sequence[str], language: str | None
) -> IndexedText:
    """The analysed form of an article to store in the index (the body is its HTML)."""
    body = plain_text(body_html)
    lang = _resolve(language, f"{title}\n{body}")
    return IndexedText(
        title=" ".join(analyze(title, lang)),
        body=" ".join(analyze(body, lang)),
        tags=" ".join(term for tag in tags for term in analyze(tag, lang)),
    )


@dataclass(frozen=True, slots=True)
class Query:
    """A search query's terms (each must match) and, while the visitor is still typing, the
    term of the unfinished last word, for `Vocabulary.complete`."""

    terms: tuple[str, ...]
    partial: str | None = None


def parse_query(query: str, language: str | None, *, typing: bool = False) -> Query:
    """A query's distinct terms; with `typing`, a last word not yet ended becomes `partial`."""
    lang = _resolve(language, query)
    tokens = list(_tokens(query))
    partial = None
    if typing and tokens and tokens[-1].end == len(query) and tokens[-1].words:
        last = tokens.pop()
        partial = _term(last.words[0], lang, keep_stopwords=True)
    terms = (term for token in tokens for term in _token_terms(token, lang))
    return Query(tuple(dict.fromkeys(terms)), partial)


def analyze_query(query: str, language: str | None) -> list[str]:
    """A query's distinct terms, in order, for matching (stop words out)."""
    return list(parse_query(query, language).terms)


def within(a: str, b: str, edits: int) -> bool:
    """Whether two strings are at most `edits` apart in Damerau-Levenshtein distance (letters
    deleted, added, replaced or two neighbours swapped; optimal string alignment). Equal
    leading letters are skipped, then each edit is tried at the first difference, which is
    quick for the one or two edits typo correction allows."""
    if abs(len(a) - len(b)) > edits:
        return False
    start, shorter = 0, min(len(a), len(b))
    while start < shorter and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    if a == b:
        return True
    if edits == 0:
        return False
    less = edits - 1
    swapped = len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]
    return (
        within(a[1:], b[1:], less)
        or within(a[1:], b, less)
        or within(a, b[1:], less)
        or (swapped and within(a[2:], b[2:], less))
    )


def max_typos(term: str) -> int:
    """How many edits a term may be from the word meant: none below 3 letters, 1 up to 5,
    2 from 6 (terms are stems, already shorter than the words typed)."""
    if len(term) < 3:
        return 0
    return 1 if len(term) <= 5 else 2


_WINDOW = 5  # letters at each end of a term that its deletion neighbourhoods cover


def _meeting(keys: Iterable[str]) -> dict[str, list[str]]:
    """Each key's variants with up to two letters deleted, mapped back to the keys: two
    strings within two edits of each other meet in such a variant (SymSpell)."""
    variants: dict[str, list[str]] = {}
    for key in keys:
        for variant in _deletes(key, 2):
            variants.setdefault(variant, []).append(key)
    return variants


def _met(word: str, variants: Mapping[str, list[str]]) -> set[str]:
    return {key for variant in _deletes(word, 2) for key in variants.get(variant, ())}


def _script(word: str) -> str | None:
    """The alphabet a word is written in, for typo correction: Latin, Cyrillic or neither."""
    if _CYRILLIC.search(word):
        return "cyrillic"
    return "latin" if word.isascii() and word.isalpha() else None


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    layer = {word}
    for _ in range(depth):
        layer = {w[:i] + w[i + 1 :] for w in layer for i in range(len(w))}
        found |= layer
    return found


def _edits(word: str, alphabet: str) -> set[str]:
    """Every string one edit away: a letter deleted, swapped with the next, replaced, added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(head + tail[1:] for head, tail in splits if tail),
        *(head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1),
        *(head + char + tail[1:] for head, tail in splits if tail for char in alphabet),
        *(head + char + tail for head, tail in splits for char in alphabet),
    }


class Vocabulary(Mapping[str, int]):
    """A tenant's indexed terms with their frequencies, built once, for typo correction and
    completion. One edit away is found by trying every edit of the word; two edits away
    through deletion neighbourhoods (SymSpell) of each term's first and of its last letters,
    which must both meet the word's; so lookups stay fast on a large vocabulary.
    Only Latin (ASCII after folding) and Cyrillic terms take part."""

    def __init__(self, frequencies: Mapping[str, int] | Iterable[tuple[str, int]]) -> None:
        self._frequencies = dict(frequencies)
        self._sorted = sorted(self._frequencies)
        alphabets: dict[str, set[str]] = {"latin": set(), "cyrillic": set()}
        long_terms = []
        for term in self._sorted:
            script = _script(term)
            if script is not None:
                alphabets[script].update(term)
                if len(term) >= 4:  # a word two edits away from a term of 6+ letters
                    long_terms.append(term)
        self._alphabets = {script: "".join(sorted(chars)) for script, chars in alphabets.items()}
        self._by_head: dict[str, list[tuple[str, str]]] = {}
        for term in long_terms:
            self._by_head.setdefault(term[:_WINDOW], []).append((term, term[-_WINDOW:]))
        self._heads = _meeting(self._by_head)
        self._tails = _meeting({term[-_WINDOW:] for term in long_terms})

    def __getitem__(self, term: str) -> int:
        return self._frequencies[term]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frequencies)

    def __len__(self) -> int:
        return len(self._frequencies)

    def suggest(self, term: str) -> str | None:
        """The term itself if known, else the closest known term within `max_typos` edits
        (fewest edits, then most frequent), else None. Terms with digits are never guessed."""
        if term in self._frequencies:
            return term
        limit = max_typos(term)
        script = _script(term)
        if limit == 0 or script is None:
            return None
        near = [edit for edit in _edits(term, self._alphabets[script]) if edit in self._frequencies]
        if near or limit == 1:
            return min(near, key=lambda t: (-self._frequencies[t], t), default=None)
        return self._two_edits_away(term) or self._stem_of(term)

    def _stem_of(self, term: str) -> str | None:
        """The longest known term the word starts with, at most 4 letters shorter: a typo in
        an ending can keep the stemmer from taking it off ("заблокированя")."""
        language = "ru" if _script(term) == "cyrillic" else "pl"
        for size in range(len(term) - 1, max(_MIN_STEM, len(term) - 4) - 1, -1):
            for known in (term[:size], _without_aspect(term[:size], language)):
                if known in self._frequencies:
                    return known
        return None

    def _two_edits_away(self, term: str) -> str | None:
        """Terms whose first and whose last letters both meet the word's are the candidates;
        the exact distance decides among those few."""
        tails, size = _met(term[-_WINDOW:], self._tails), len(term)
        found = [
            known
            for head in _met(term[:_WINDOW], self._heads)
            for known, tail in self._by_head[head]
            if tail in tails and abs(len(known) - size) <= 2 and within(term, known, 2)
        ]
        return min(found, key=lambda t: (-self._frequencies[t], t), default=None)

    def complete(self, partial: str, *, limit: int = 8, scan: int = 5000) -> list[str]:
        """Known terms an unfinished word may become (they start with it), most frequent
        first; at most `scan` terms in alphabetical order are considered, to bound the time."""
        if len(partial) < 2:
            return [partial] if partial in self._frequencies else []
        candidates = set(self._starting(partial, scan))
        # a borrowed verb is kept without its aspect prefix: "zabl" may become "blokow"
        suffix, prefixes = _ASPECT["ru" if _script(partial) == "cyrillic" else "pl"]
        for prefix in prefixes:
            rest = partial[len(prefix) :]
            if partial.startswith(prefix) and len(rest) >= 2:
                candidates.update(t for t in self._starting(rest, scan) if t.endswith(suffix))
        return heapq.nlargest(limit, candidates, key=lambda t: (self._frequencies[t], t))

    def _starting(self, partial: str, scan: int) -> list[str]:
        start = bisect_left(self._sorted, partial)
        found = []
        for term in self._sorted[start : start + scan]:
            if not term.startswith(partial):
                break
            found.append(term)
        return found


def correct(terms: Iterable[str], vocabulary: Mapping[str, int]) -> list[str]:
    """Terms with each unknown one replaced by the closest known term; one with no close
    match is kept (it finds nothing, which editors want to see). Pass a `Vocabulary` to reuse
    its index; a plain mapping is indexed on every call."""
    known = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary)
    return [known.suggest(term) or term for term in terms]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a snippet as plain, unescaped text; `marked` when it matched the query."""

    text: str
    marked: bool = False


ELLIPSIS = "…"


def snippet(
    text: str, query_terms: Iterable[str], language: str | None, *, length: int = 200
) -> list[Segment]:
    """The window of the text, about `length` characters cut at word boundaries, with the most
    distinct query terms, as segments (unescaped: render them through an escaping template or
    use `snippet_html`). Without a match it is the start of the text."""
    lang = _resolve(language, text)
    places, matched = _scan(text, lang, set(query_terms))
    start, end = _widen(places, len(text), _window(matched, length), length)
    segments = [Segment(ELLIPSIS)] if start > 0 else []
    cursor = start
    for match in matched:
        if match.start >= start and match.end <= end:
            segments += [
                Segment(text[cursor : match.start]),
                Segment(text[match.start : match.end], True),
            ]
            cursor = match.end
    segments.append(Segment(text[cursor:end]))
    if text[end:].strip():
        segments.append(Segment(ELLIPSIS))
    return _tidy(segments)


@dataclass(frozen=True, slots=True)
class _Match:
    """A token holding query terms: where it is and which terms."""

    start: int
    end: int
    found: set[str]


@dataclass(frozen=True, slots=True)
class _Places:
    """Where a text's tokens start and end, in order."""

    starts: Sequence[int]
    ends: Sequence[int]


def _scan(text: str, language: str | None, wanted: set[str]) -> tuple[_Places, list[_Match]]:
    """Where the text's tokens are, and those holding query terms."""
    tokens = _tokens_of(text, language)
    if tokens is None:
        return _scan_each(text, language, wanted)
    found = {
        word: wanted.intersection(terms)
        for word, terms in zip(tokens.words, tokens.terms, strict=True)
        if not wanted.isdisjoint(terms)
    }
    starts, ends = tokens.places.starts, tokens.places.ends
    matched = [
        _Match(starts[n], ends[n], found[raw]) for n, raw in enumerate(tokens.raws) if raw in found
    ]
    return tokens.places, matched


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A text's tokens for snippets: each one as written and its place; and the distinct
    tokens that have terms, with their terms."""

    raws: tuple[str, ...]
    places: _Places
    words: tuple[str, ...]
    terms: tuple[frozenset[str], ...]


# Search shows the same popular articles again and again, so the texts of the last SNIPPET_TEXTS
# articles shown are kept with their tokens: about 10 kB a text with its HTML and plain text
# (1.4 kB of HTML in the bench; token strings interned, places in arrays), so up to about
# 80 MB a process, against 0.3-0.8 ms to find them again. Replaying 20,000 bench searches
# (10,000 articles, behind the cache of recent results): 5.3 texts to analyse a search with
# 1,024 kept, 2.5 with 4,096, 0.6 with 8,192.
SNIPPET_TEXTS = 8192


@lru_cache(maxsize=SNIPPET_TEXTS)
def _tokens_of(text: str, language: str | None) -> _Tokens | None:
    """`split` cuts the text into gaps and tokens, and their lengths add up to the places, all
    in C; only the distinct tokens are analysed. None when a token is words joined by dots or
    slashes (several tokens for snippets): `_scan_each` reads those."""
    parts = _TOKEN_OR_GAP.split(text)  # gap, token, gap, token, ..., gap
    raws = parts[1::2]
    distinct = {raw: sys.intern(raw) for raw in set(raws)}
    analysed = [(raw, _split_terms(raw, language)) for raw in distinct.values()]
    if any(len(pieces) != 1 for _, pieces in analysed):
        return None
    held = [(raw, pieces[0][2]) for raw, pieces in analysed if pieces[0][2]]
    bounds = array("I", accumulate(map(len, parts)))
    return _Tokens(
        tuple(map(distinct.__getitem__, raws)),
        _Places(bounds[0:-1:2], bounds[1::2]),
        tuple(raw for raw, _ in held),
        tuple(terms for _, terms in held),
    )


_TOKEN_OR_GAP = re.compile(f"({_TOKEN.pattern})")


def _scan_each(text: str, language: str | None, wanted: set[str]) -> tuple[_Places, list[_Match]]:
    """`_scan` token by token: `findall` gives the tokens in order and `find` their places,
    since nothing between two tokens can begin one (each begins with a letter or digit, and
    where one could begin the pattern would have matched)."""
    starts: list[int] = []
    ends: list[int] = []
    matched: list[_Match] = []
    add_start, add_end, find = starts.append, ends.append, text.find  # a hot loop
    at = 0
    for raw in _TOKEN.findall(text):
        at = find(raw, at)
        for start, end, terms in _split_terms(raw, language):
            add_start(at + start)
            add_end(at + end)
            if not wanted.isdisjoint(terms):
                matched.append(_Match(at + start, at + end, wanted.intersection(terms)))
        at += len(raw)
    return _Places(starts, ends), matched


@lru_cache(maxsize=100_000)
def _split_terms(raw: str, language: str | None) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """`_split` with each token's terms instead of its words."""
    return tuple(
        (start, end, frozenset(_terms_of(words, language))) for start, end, words in _split(raw)
    )


def _window(matched: Sequence[_Match], length: int) -> tuple[int, int] | None:
    """The span of matches, at most `length` long, with the most distinct terms, then the most
    matches; the earliest of equals. None without matches."""
    counts: dict[str, int] = {}
    best: tuple[int, int, int, int] | None = None  # distinct terms, matches, first, last + 1
    right = 0

    def count(index: int, step: int) -> None:
        for term in matched[index].found:
            counts[term] = counts.get(term, 0) + step

    for left, first in enumerate(matched):
        if right <= left:  # even a word longer than `length` alone is a window
            count(left, 1)
            right = left + 1
        while right < len(matched) and matched[right].end - first.start <= length:
            count(right, 1)
            right += 1
        distinct = sum(1 for n in counts.values() if n > 0)
        if best is None or (distinct, right - left) > best[:2]:
            best = (distinct, right - left, left, right)
        count(left, -1)
    if best is None:
        return None
    return matched[best[2]].start, matched[best[3] - 1].end


def _widen(
    places: _Places, size: int, span: tuple[int, int] | None, length: int
) -> tuple[int, int]:
    """Grow the span of matches (or the text's start) to about `length` with context, a third
    before and the rest after, cut at word boundaries (tokens are in order, so bisect finds
    them)."""
    start, end = span or (0, 0)
    low = max(0, start - max(0, length - (end - start)) // 3)
    high = min(size, low + max(length, end - low))
    low = max(0, min(low, high - length))
    first = 0 if low == 0 else _first_from(places.starts, low, start)
    if high == size:
        return first, size
    up_to_high = bisect_right(places.ends, high)
    last = places.ends[up_to_high - 1] if up_to_high else high
    return first, max(last, end)


def _first_from(values: Sequence[int], low: int, default: int) -> int:
    """The first of the sorted values that is at least `low`, else `default`."""
    at = bisect_left(values, low)
    return values[at] if at < len(values) else default


_SPACES = re.compile(r"\s+")


def _tidy(segments: list[Segment]) -> list[Segment]:
    """Runs of white space as one space, no empty segments, no space at either end."""
    tidy = [Segment(_SPACES.sub(" ", s.text), s.marked) for s in segments]
    tidy = [s for s in tidy if s.text]
    if tidy:
        tidy[0] = Segment(tidy[0].text.lstrip(), tidy[0].marked)
        tidy[-1] = Segment(tidy[-1].text.rstrip(), tidy[-1].marked)
    return [s for s in tidy if s.text]


def snippet_html(
    text: str, query_terms: Iterable[str], language: str | None, *, length: int = 200
) -> str:
    """`snippet` as escaped HTML with matches in <mark>: safe to insert as it is."""
    return "".join(
        f"<mark>{html.escape(s.text)}</mark>" if s.marked else html.escape(s.text)
        for s in snippet(text, query_terms, language, length=length)
    )


_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
_CELLS = frozenset({"td", "th"})
_HIDDEN = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "head",
        "title",
        "select",
    }
)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, opening=True)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, opening=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN:
            self._tag(tag, opening=True)

    def _tag(self, tag: str, *, opening: bool) -> None:
        if tag in _HIDDEN:
            self.hidden = self.hidden + 1 if opening else max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.pieces.append("\n")
        elif tag in _CELLS:
            self.pieces.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.pieces.append(data)


@lru_cache(maxsize=SNIPPET_TEXTS)  # search shows the same popular articles again and again
def plain_text(html_text: str) -> str:
    """The readable text of an HTML fragment: block elements end lines, scripts, styles and
    other hidden content are dropped, entities decoded, white space tidied."""
    pieces = _sanitised_pieces(html_text)
    if pieces is None:
        parser = _TextParser()
        parser.feed(html_text)
        parser.close()
        pieces = parser.pieces
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


# Tags read without the parser: those the article sanitiser keeps, and a few inline ones.
_PLAIN_TAGS = (
    _BLOCKS
    | _CELLS
    | frozenset({"a", "img", "strong", "em", "b", "i", "u", "s", "code", "span", "sub", "sup"})
)
_SANITISED = re.compile(r'([^<]+)|<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*(?:="[^"<]*")?)*)(/?)>')


def _sanitised_pieces(html_text: str) -> list[str] | None:
    """What `_TextParser` collects, found with one regular expression, for HTML as the
    sanitiser writes it (known lower-case tags, attributes in double quotes, no comments):
    about three times quicker. None for anything else, which the parser then reads."""
    pieces: list[str] = []
    at = 0
    for match in _SANITISED.finditer(html_text):
        if match.start() != at:
            return None
        at = match.end()
        data, closing, tag, attributes, slash = match.groups()
        if data is not None:
            pieces.append(html.unescape(data))  # as the parser does with convert_charrefs
        elif tag not in _PLAIN_TAGS or (closing and (attributes or slash)):
            return None
        elif tag in _BLOCKS:
            pieces.append("\n")
        elif tag in _CELLS:
            pieces.append(" ")
    return pieces if at == len(html_text) else None
