"""Import and export of articles as Markdown or HTML files (one file per article, or a zip).

Markdown files (`.md`, `.markdown`) start with a front matter block, then the Markdown body:

    ---
    title: Card blocked: what to do
    slug: card-blocked
    kind: article
    language: en
    audience: both
    tags: cards, app
    reasons: cards.blocked, cards
    review_on: 2026-01-31
    ---
    ## Steps
    Open the app ...

The block is `key: value` lines between two `---` lines; the value is everything after the
first colon (so it may contain colons), without surrounding spaces. Blank lines and lines
starting with `#` are ignored; an unknown or repeated key is an error naming the key. Keys:
title; slug (lower-case letters, digits, dashes); kind (article | guideline); language (`en`,
`pl`, `pt-BR`...); audience (public | internal | both; a guideline is internal); tags and
reasons (comma-separated; reasons are contact-reason codes); review_on (YYYY-MM-DD). An empty
value clears tags, reasons and review_on; the other keys must not be empty. A missing key
leaves an existing article's field as it is (a new article gets the defaults: kind article,
the tenant's language, audience both); a missing slug is made from the file's name.

HTML files (`.html`, `.htm`) are whole documents: `<html lang>` is the language, `<title>`
the title, `<meta name="omniline:KEY" content="...">` the other keys, `<body>` the body.

Bodies are stored as safe HTML (`articles.clean_html`); Markdown is rendered with markdown-it
(CommonMark with tables), inline HTML in it is cleaned like any other, and the Markdown is kept
as written: the editor reopens it as Markdown, and export writes it back unchanged.
"""

import io
import lzma
import re
import uuid
import zipfile
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from html import escape
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, TypeVar

from sqlalchemy import select

from omniline.journal.work import Work
from omniline.kit.errors import Conflict
from omniline.knowledge import articles
from omniline.models import (
    Article,
    ArticleKind,
    ArticleReason,
    ArticleStatus,
    Audience,
    BodyFormat,
    Tenant,
)
from omniline.reasons import service as reasons

MAX_FILE_BYTES = 1_000_000
MAX_ZIP_BYTES = 20_000_000  # uncompressed, all files together
MAX_ZIP_FILES = 2_000
MAX_BODY_CHARS = 200_000  # as for bodies sent to the API
MAX_TAGS, MAX_TAG_CHARS, MAX_REASONS, MAX_TITLE_CHARS = 30, 50, 50, 300
KEYS = ("title", "slug", "kind", "language", "audience", "tags", "reasons", "review_on")
META_KEYS = tuple(k for k in KEYS if k not in ("title", "language"))  # in <title>, <html lang>
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
META_PREFIX = "omniline:"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_E = TypeVar("_E", bound=StrEnum)
# errors reading one member of a zip (bad CRC, encryption, unknown compression, cut short)
_MEMBER_ERRORS = (
    zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError,
    zlib.error, lzma.LZMAError,
)  # fmt: skip


class FileFormat(StrEnum):
    MD = "md"
    HTML = "html"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class Upload:
    """A file as received: its name (which tells its format) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Result:
    """What became of one file."""

    file: str
    outcome: Outcome
    message: str = ""
    slug: str | None = None
    article_id: uuid.UUID | None = None
    version: int | None = None
    published: bool = False  # readers see the imported version


class FileError(Exception):
    """A file cannot be imported; the message says why, in words its editor can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Incoming:
    """A parsed file: the fields it sets (typed; absent keys are absent) and its safe body."""

    name: str
    fields: dict[str, Any]
    body: str
    markdown: str | None = None  # the body as written, for a Markdown file

    @property
    def slug(self) -> str:
        slug: str = self.fields["slug"]
        return slug


# ---------------------------------------------------------------------------------- export


async def export_zip(
    work: Work,
    tenant: Tenant,
    file_format: FileFormat,
    *,
    status: ArticleStatus | None = None,
    kind: ArticleKind | None = None,
) -> bytes:
    """A zip with `<slug>.md` or `<slug>.html` per article: the newest version of each (what
    editors work on, which readers may not see yet), with its reasons' codes."""
    links = await _reason_codes_by_article(work, tenant)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        async for row in _every_article(work, tenant, status=status, kind=kind):
            codes = links.get(row.id, [])
            text = to_markdown(row, codes) if file_format == FileFormat.MD else to_html(row, codes)
            info = zipfile.ZipInfo(f"{row.slug}.{file_format}", date_time=_zip_time(row))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode())
    return buffer.getvalue()


def _zip_time(row: Article) -> tuple[int, int, int, int, int, int]:
    """When the article last changed, as a zip keeps it (no time zone: UTC is written)."""
    moment = row.updated_at or row.created_at
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


async def _every_article(
    work: Work, tenant: Tenant, *, status: ArticleStatus | None, kind: ArticleKind | None
) -> AsyncIterator[Article]:
    after: uuid.UUID | None = None
    while True:
        page = await articles.list_articles(
            work, tenant, status=status, kind=kind, limit=500, after=after
        )
        for row in page:
            yield row
        if len(page) < 500:
            return
        after = page[-1].id


async def _reason_codes_by_article(work: Work, tenant: Tenant) -> dict[uuid.UUID, list[str]]:
    codes = {r.id: r.code for r in await reasons.list_reasons(work.session, tenant.id)}
    links = await work.session.execute(
        select(ArticleReason.article_id, ArticleReason.reason_id)
        .where(ArticleReason.tenant_id == tenant.id)
        .order_by(ArticleReason.article_id, ArticleReason.position)
    )
    made: dict[uuid.UUID, list[str]] = {}
    for article_id, reason_id in links:
        made.setdefault(article_id, []).append(codes[reason_id])
    return made


def _values(row: Article, codes: list[str]) -> dict[str, str]:
    """Every key's value as text; newlines would end a front matter line, so become spaces."""
    values = {
        "title": row.title,
        "slug": row.slug,
        "kind": str(row.kind),
        "language": row.language,
        "audience": str(row.audience),
        "tags": ", ".join(row.tags),
        "reasons": ", ".join(codes),
        "review_on": row.review_on.isoformat() if row.review_on else "",
    }
    return {k: " ".join(v.split()) for k, v in values.items()}


render_markdown = articles.render_markdown
body_markdown = articles.body_markdown


def to_markdown(row: Article, codes: list[str]) -> str:
    """An article as a Markdown file with front matter: its Markdown as written, or its HTML
    converted."""
    head = "".join(f"{k}: {v}".rstrip() + "\n" for k, v in _values(row, codes).items())
    markdown = row.body_format == BodyFormat.MARKDOWN
    body = row.markdown if markdown else body_markdown(row.body)
    return f"---\n{head}---\n\n{body.strip()}\n"


def to_html(row: Article, codes: list[str]) -> str:
    """An article as a whole HTML document with its fields in <meta> tags."""
    values = _values(row, codes)
    metas = "".join(
        f'<meta name="{META_PREFIX}{k}" content="{escape(values[k])}">\n' for k in META_KEYS
    )
    return (
        f'<!doctype html>\n<html lang="{escape(values["language"])}">\n<head>\n'
        f'<meta charset="utf-8">\n<title>{escape(values["title"])}</title>\n{metas}</head>\n'
        f"<body>\n{row.body}\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------------- import


async def import_files(
    work: Work, tenant: Tenant, uploads: Sequence[Upload], *, publish: bool = False
) -> list[Result]:
    """Create or edit one article per file (a zip counts as its files), optionally publish;
    one result per file, in order. A bad file fails alone; the caller commits."""
    slots: list[Incoming | Result] = []
    for upload in uploads:
        for entry in _unpacked(upload):
            slots.append(entry if isinstance(entry, Result) else _parsed(*entry))
    _fail_repeated_slugs(slots)
    codes = {r.code: r.id for r in await reasons.list_reasons(work.session, tenant.id)}
    made = []
    for slot in slots:
        if isinstance(slot, Incoming):
            slot = await _imported(work, tenant, slot, codes, publish=publish)
        made.append(slot)
    return made


def _unpacked(upload: Upload) -> list[tuple[str, bytes] | Result]:
    if not upload.name.lower().endswith(".zip"):
        return [(upload.name, upload.data)]
    try:
        return _read_zip(upload)
    except FileError as exc:
        return [Result(upload.name, Outcome.FAILED, exc.message)]


def _is_junk(name: str) -> bool:
    """Folders and the metadata macOS adds to zips it makes."""
    base = PurePosixPath(name).name
    return name.endswith("/") or name.startswith("__MACOSX/") or base.startswith("._")


def _read_zip(upload: Upload) -> list[tuple[str, bytes] | Result]:
    """Every file of a zip, read with limits: the sizes a zip declares may be false."""
    too_large = f"zip too large: the limit is {MAX_ZIP_BYTES:,} bytes uncompressed"
    if len(upload.data) > MAX_ZIP_BYTES:
        raise FileError(too_large)
    try:
        zf = zipfile.ZipFile(io.BytesIO(upload.data))
    except zipfile.BadZipFile as exc:
        raise FileError("not a valid zip file") from exc
    with zf:
        members = [i for i in zf.infolist() if not _is_junk(i.filename)]
        if len(members) > MAX_ZIP_FILES:
            raise FileError(f"zip too large: {len(members):,} files, the limit is 2,000")
        if sum(i.file_size for i in members) > MAX_ZIP_BYTES:
            raise FileError(too_large)
        made: list[tuple[str, bytes] | Result] = []
        total = 0
        for info in members:
            name = f"{upload.name}/{info.filename}"
            try:
                with zf.open(info) as member:
                    data = member.read(MAX_FILE_BYTES + 1)
            except _MEMBER_ERRORS as exc:
                made.append(Result(name, Outcome.FAILED, f"cannot be read from the zip: {exc}"))
                continue
            total += len(data)
            if total > MAX_ZIP_BYTES:
                raise FileError(too_large)
            made.append((name, data))
    return made


def _parsed(name: str, data: bytes) -> Incoming | Result:
    try:
        return parse_file(name, data)
    except FileError as exc:
        return Result(name, Outcome.FAILED, exc.message)


def parse_file(name: str, data: bytes) -> Incoming:
    """A file's fields and safe body; FileError says what is wrong with it."""
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    if suffix not in (*MARKDOWN_SUFFIXES, *HTML_SUFFIXES):
        raise FileError("not imported: use .md, .markdown, .html or .htm files, or a .zip of them")
    if len(data) > MAX_FILE_BYTES:
        raise FileError(f"the file is larger than {MAX_FILE_BYTES:,} bytes: split it")
    text = _decoded(data)
    markdown = None
    if suffix in MARKDOWN_SUFFIXES:
        pairs, markdown = _read_markdown(text)
        body = render_markdown(markdown)
    else:
        pairs, body = _read_html(text)
    fields = _typed(pairs)
    fields.setdefault("slug", articles.slug_of(path.stem))
    safe = articles.clean_html(body)
    if len(safe) > MAX_BODY_CHARS:
        raise FileError(f"the body is {len(safe):,} characters; the limit is {MAX_BODY_CHARS:,}")
    return Incoming(name, fields, safe, markdown)


def _decoded(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(
            f"not UTF-8 (byte {data[exc.start]:#04x} at position {exc.start}): save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise FileError("the file contains NUL characters: is it a text file?")
    return text.replace("\r\n", "\n").replace("\r", "\n")


Pair = tuple[int, str, str]  # line, key, value


def _read_markdown(text: str) -> tuple[list[Pair], str]:
    """The front matter's key/value lines and the Markdown body."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise FileError(
            "line 1: a Markdown file starts with front matter: a '---' line, 'key: value' "
            "lines (title, slug, ...), and another '---' line"
        )
    pairs: list[Pair] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return pairs, "\n".join(lines[number:]).strip("\n") + "\n"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise FileError(f"line {number}: expected 'key: value', found '{line.strip()[:60]}'")
        pairs.append((number, key.strip().lower(), value.strip()))
    raise FileError("the front matter has no closing '---' line")


class _HtmlDocument(HTMLParser):
    """Reads an exported-style HTML document: language, title, omniline metas, body."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.pairs: list[Pair] = []
        self.title: list[str] | None = None
        self.title_line = 0
        self.in_title = False
        self.head_end: int | None = None
        self.body_start: int | None = None
        self.body_end: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, values = self.getpos()[0], {k: v or "" for k, v in attrs}
        if self.body_start is not None:
            return
        if tag == "html" and "lang" in values:
            self.pairs.append((line, "language", values["lang"].strip()))
        elif tag == "title" and self.title is None:
            self.title, self.title_line, self.in_title = [], line, True
        elif tag == "meta" and values.get("name", "").lower().startswith(META_PREFIX):
            self._meta(line, values["name"].lower(), values.get("content", ""))
        elif tag == "body":
            self.body_start = self._offset() + len(self.get_starttag_text() or "")

    def _meta(self, line: int, name: str, content: str) -> None:
        key = name.removeprefix(META_PREFIX)
        if key not in META_KEYS:
            known = ", ".join(META_PREFIX + k for k in META_KEYS)
            raise FileError(f"line {line}: unknown meta '{name}' (known: {known})")
        self.pairs.append((line, key, content.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "head" and self.head_end is None:
            self.head_end = self._offset() + len("</head>")
        elif tag == "body" and self.body_start is not None:
            self.body_end = self._offset()

    def handle_data(self, data: str) -> None:
        if self.in_title and self.title is not None:
            self.title.append(data)

    def body(self) -> str:
        if self.body_start is not None:
            return self.text[self.body_start : self.body_end]
        return self.text[self.head_end or 0 :]


def _read_html(text: str) -> tuple[list[Pair], str]:
    document = _HtmlDocument(text)
    document.feed(text)
    document.close()
    pairs = list(document.pairs)
    if document.title is not None:
        pairs.append((document.title_line, "title", " ".join("".join(document.title).split())))
    return pairs, document.body()


def _typed(pairs: list[Pair]) -> dict[str, Any]:
    """The fields with their types; FileError names the line and the key."""
    fields: dict[str, Any] = {}
    for line, key, value in pairs:
        if key not in KEYS:
            raise FileError(f"line {line}: unknown key '{key}' (known: {', '.join(KEYS)})")
        if key in fields:
            raise FileError(f"line {line}: '{key}' is given twice")
        try:
            fields[key] = _value(key, value)
        except ValueError as exc:
            raise FileError(f"line {line}: {key}: {exc}") from exc
    return fields


def _value(key: str, value: str) -> Any:
    if key in ("tags", "reasons"):
        return _list(key, value)
    if key == "review_on":
        return _date(value)
    if not value:
        raise ValueError("has no value")
    if key == "title" and len(value) > MAX_TITLE_CHARS:
        raise ValueError(f"longer than {MAX_TITLE_CHARS} characters")
    if key == "slug" and not _SLUG.match(value):
        raise ValueError(f"'{value}' is not a slug: lower-case letters, digits and dashes")
    if key == "language" and not _LANGUAGE.match(value):
        raise ValueError(f"'{value}' is not a language code such as en, pl or pt-BR")
    if key == "kind":
        return _choice(ArticleKind, value)
    if key == "audience":
        return _choice(Audience, value)
    return value


def _choice(enum: type[_E], value: str) -> _E:
    try:
        return enum(value.lower())
    except ValueError:
        raise ValueError(f"'{value}' is not one of {', '.join(enum)}") from None


def _list(key: str, value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if key == "tags":
        items = sorted({t.lower() for t in items})  # as articles keep them
        if len(items) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in items):
            raise ValueError(f"at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters")
        return items
    if len(set(items)) != len(items):
        raise ValueError("a reason code is listed twice")
    if len(items) > MAX_REASONS:
        raise ValueError(f"at most {MAX_REASONS} reasons")
    return items


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"'{value}' is not a date written YYYY-MM-DD")


def _fail_repeated_slugs(slots: list[Incoming | Result]) -> None:
    """Two files of one import for one article: the second fails rather than overwrite."""
    first: dict[str, str] = {}
    for i, slot in enumerate(slots):
        if isinstance(slot, Result):
            continue
        if slot.slug in first:
            message = f"slug '{slot.slug}' is also used by {first[slot.slug]} in this import"
            slots[i] = Result(slot.name, Outcome.FAILED, message, slug=slot.slug)
        else:
            first[slot.slug] = slot.name


@dataclass
class _Plan:
    """What an import changes, decided before anything is changed."""

    content: dict[str, Any] = field(default_factory=dict)
    reason_ids: list[uuid.UUID] | None = None


async def _imported(
    work: Work, tenant: Tenant, item: Incoming, codes: dict[str, uuid.UUID], *, publish: bool
) -> Result:
    """Check the file against the tenant, then create or edit (checks first, so that a failed
    file leaves nothing behind)."""
    row = await _by_slug(work, tenant, item.slug)
    plan: _Plan | None = None
    try:
        reason_ids = _reason_ids(tenant, item, codes)
        if row is None:
            _check_new(item)
        else:
            plan = await _update_plan(work, row, item, reason_ids)
    except FileError as exc:
        return Result(item.name, Outcome.FAILED, exc.message, slug=item.slug)
    notes: list[str] = []
    if row is None or plan is None:
        row = await _create(work, tenant, item, reason_ids)
        outcome = Outcome.CREATED
    else:
        notes = await _update(work, tenant, row, item, plan)
        outcome = Outcome.UPDATED if notes else Outcome.UNCHANGED
    if publish:
        notes.append(await _publish(work, tenant, row))
    published = row.status == ArticleStatus.PUBLISHED and row.published_version == row.version
    message = "; ".join(n for n in notes if n)
    return Result(item.name, outcome, message, row.slug, row.id, row.version, published)


async def _by_slug(work: Work, tenant: Tenant, slug: str) -> Article | None:
    return await work.session.scalar(
        select(Article).where(Article.tenant_id == tenant.id, Article.slug == slug)
    )


def _reason_ids(
    tenant: Tenant, item: Incoming, codes: dict[str, uuid.UUID]
) -> list[uuid.UUID] | None:
    if "reasons" not in item.fields:
        return None
    wanted: list[str] = item.fields["reasons"]
    missing = [c for c in wanted if c not in codes]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise FileError(f"reason code{plural} {names} not found in tenant '{tenant.slug}'")
    return [codes[c] for c in wanted]


def _check_audience(kind: ArticleKind, fields: dict[str, Any]) -> None:
    if kind == ArticleKind.GUIDELINE and fields.get("audience", Audience.INTERNAL) not in (
        Audience.INTERNAL,
    ):
        raise FileError("a guideline is for staff: its audience must be internal")


def _check_new(item: Incoming) -> None:
    if "title" not in item.fields:
        raise FileError("a new article needs a title")
    _check_audience(item.fields.get("kind", ArticleKind.ARTICLE), item.fields)


async def _create(
    work: Work, tenant: Tenant, item: Incoming, reason_ids: list[uuid.UUID] | None
) -> Article:
    f = item.fields
    row = await articles.create_article(
        work,
        tenant,
        title=f["title"],
        body=item.body if item.markdown is None else item.markdown,
        body_format=BodyFormat.HTML if item.markdown is None else BodyFormat.MARKDOWN,
        kind=f.get("kind", ArticleKind.ARTICLE),
        language=f.get("language"),
        audience=f.get("audience", Audience.BOTH),
        tags=f.get("tags"),
        review_on=f.get("review_on"),
        slug=item.slug,
    )
    if reason_ids:
        await articles.set_reasons(work, tenant, row, reason_ids)
    return row


async def _update_plan(
    work: Work, row: Article, item: Incoming, reason_ids: list[uuid.UUID] | None
) -> _Plan:
    f = item.fields
    if "kind" in f and f["kind"] != row.kind:
        raise FileError(
            f"'{row.slug}' is a {row.kind} here and the file says {f['kind']}: the kind of an "
            "existing article cannot change (use another slug)"
        )
    _check_audience(row.kind, f)
    plan = _Plan()
    for key in ("title", "language", "audience", "tags", "review_on"):
        if key in f and f[key] != getattr(row, key):
            plan.content[key] = f[key]
    if "language" in plan.content:
        try:
            await articles.check_language_free(work, row, plan.content["language"])
        except Conflict as exc:
            raise FileError(exc.message) from exc
    if not equivalent_html(item.body, row.body) or _markdown_rewritten(row, item):
        plan.content["body"] = item.body if item.markdown is None else item.markdown
        plan.content["body_format"] = (
            BodyFormat.HTML if item.markdown is None else BodyFormat.MARKDOWN
        )
    if reason_ids is not None and reason_ids != await articles.reasons_of(work, row):
        plan.reason_ids = reason_ids
    return plan


def _markdown_rewritten(row: Article, item: Incoming) -> bool:
    """A Markdown article's Markdown changed (even where the HTML shows the same)."""
    return (
        item.markdown is not None
        and row.body_format == BodyFormat.MARKDOWN
        and item.markdown.strip() != row.markdown.strip()
    )


async def _update(
    work: Work, tenant: Tenant, row: Article, item: Incoming, plan: _Plan
) -> list[str]:
    """Apply a plan; notes say what changed (none: nothing did)."""
    notes = []
    if plan.content:
        before = row.version
        note = f"imported from {PurePosixPath(item.name).name}"
        await articles.edit_article(work, tenant, row, plan.content, note=note)
        new = f"version {row.version}: " if row.version != before else ""
        fields = sorted(k for k in plan.content if k != "body_format")
        notes.append(f"{new}changed {', '.join(fields)}")
    if plan.reason_ids is not None:
        await articles.set_reasons(work, tenant, row, plan.reason_ids)
        notes.append("reasons changed")
    return notes


async def _publish(work: Work, tenant: Tenant, row: Article) -> str:
    if row.status == ArticleStatus.PUBLISHED and row.published_version == row.version:
        return ""
    if not row.body.strip():
        return "not published: the body is empty"
    await articles.publish(work, tenant, row)
    return "published"


# ------------------------------------------------------------------------------ comparison

_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip


class _Tokens(HTMLParser):
    """HTML as tags (attributes sorted) and text (spaces collapsed, except in <pre>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, ...]] = []
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("<", tag, *sorted(f"{k}={v or ''}" for k, v in attrs)))
        self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # <br/> is <br>

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("/", tag))
        self.pre -= self.pre > 0 and tag == "pre"

    def handle_data(self, data: str) -> None:
        kind, text = ("pre", data) if self.pre else ("t", re.sub(r"\s+", " ", data))
        if self.tokens and self.tokens[-1][0] == kind:
            text = self.tokens.pop()[1] + text
        self.tokens.append((kind, text))


def _is_block(token: tuple[str, ...] | None) -> bool:
    return token is None or (token[0] in ("<", "/") and token[1] in _BLOCKS)


def _canonical(html: str) -> list[tuple[str, ...]]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    tokens: list[tuple[str, ...] | None] = [None, *parser.tokens, None]
    made = []
    for before, token, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        assert token is not None
        if token[0] == "pre" and after is not None and after[0] == "/":
            token = ("t", token[1].rstrip("\n"))  # a newline before </code></pre> shows nothing
        elif token[0] == "t":
            text = token[1].lstrip() if _is_block(before) else token[1]
            token = ("t", text.rstrip() if _is_block(after) else text)
        if token[0] != "t" or token[1]:
            made.append(token)
    return made


def equivalent_html(a: str, b: str) -> bool:
    """Whether two bodies show the same: they differ at most in spaces between blocks, how
    tags and entities are written, attribute order or a trailing newline in code."""
    return _canonical(a) == _canonical(b)
