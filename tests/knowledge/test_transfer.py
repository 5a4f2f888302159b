"""Articles exported and imported as Markdown and HTML files, through the API and the CLI."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omniline.knowledge.transfer import equivalent_html
from omniline.models import AuditEntry
from omniline.runtime import Runtime
from tests.conftest import World
from tests.serverproc import cli, server_env

ACME, GLOBEX = "/api/v1/tenants/acme", "/api/v1/tenants/globex"

RICH = (
    "<h2>Steps</h2><p>Open the <strong>app</strong>, then <em>Cards</em> "
    '(see <a href="https://bank.example/help">help</a>): 1. not a list &lt;b&gt;</p>'
    "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
    "<table><thead><tr><th>Limit</th><th>Value</th></tr></thead>"
    "<tbody><tr><td>Daily</td><td>500</td></tr></tbody></table>"
    "<pre><code>PIN = 1234\n  indented</code></pre><blockquote><p>Note: a quote</p></blockquote>"
    '<p><img src="https://bank.example/card.png" alt="card"></p><hr><p>a<br>b</p>'
)
ARTICLES: list[dict[str, Any]] = [
    {"title": "Card blocked: what to do", "body": RICH, "tags": ["Cards", "App"],
     "audience": "public", "language": "en", "review_on": "2026-03-31",
     "reasons": ["cards.blocked", "cards"]},
    {"title": "Карта заблокирована", "kind": "guideline", "language": "ru",
     "body": "<p>Спросите <strong>имя</strong> клиента. Ёжик, «кавычки» — тире.</p>",
     "tags": ["карты"], "reasons": ["cards"], "slug": "karta"},
    {"title": "Zażółć gęślą jaźń", "language": "pl", "audience": "internal",
     "body": "<p>Łódź, żółw &amp; źdźbło.</p>", "slug": "polskie-znaki"},
]  # fmt: skip


async def _ok(
    client: httpx.AsyncClient, who: dict[str, str], method: str, path: str, **kw: Any
) -> Any:
    response = await client.request(method, path, headers=who, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _reasons(client: httpx.AsyncClient, who: dict[str, str], base: str) -> dict[str, str]:
    """The same reason codes in a tenant; their ids by code."""
    made = {}
    for code in ("cards", "cards.blocked"):
        row = await _ok(client, who, "POST", base + "/reasons", json={"code": code, "name": code})
        made[code] = row["id"]
    return made


async def _import(
    client: httpx.AsyncClient,
    who: dict[str, str],
    files: list[tuple[str, bytes]],
    *,
    base: str = ACME,
    publish: bool = False,
) -> list[dict[str, Any]]:
    sent = [("file", (name, data, "application/octet-stream")) for name, data in files]
    found: list[dict[str, Any]] = await _ok(
        client, who, "POST", base + "/articles/import", files=sent,
        data={"publish": "true" if publish else "false"},
    )  # fmt: skip
    return found


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _md(front: str, body: str = "Some *text*.") -> bytes:
    return f"---\n{front}\n---\n{body}\n".encode()


@pytest.mark.parametrize("file_format", ["md", "html"])
async def test_round_trip_into_another_tenant(
    client: httpx.AsyncClient, world: World, file_format: str
) -> None:
    acme, globex = world.auth("supervisor"), world.auth("other_admin")
    ids = await _reasons(client, acme, ACME)
    for article in ARTICLES:
        body = {k: v for k, v in article.items() if k != "reasons"}
        body["reason_ids"] = [ids[c] for c in article.get("reasons", [])]
        await _ok(client, acme, "POST", ACME + "/articles", json=body)
    sent = await client.get(ACME + "/articles/export", params={"format": file_format}, headers=acme)
    assert sent.status_code == 200, sent.text
    assert sent.headers["content-type"] == "application/zip"
    assert f'filename="acme-articles-{file_format}.zip"' in sent.headers["content-disposition"]
    names = sorted(zipfile.ZipFile(io.BytesIO(sent.content)).namelist())
    assert names == sorted(
        f"{s}.{file_format}" for s in ("card-blocked-what-to-do", "karta", "polskie-znaki")
    )

    theirs = await _reasons(client, globex, GLOBEX)
    codes = {i: code for made in (ids, theirs) for code, i in made.items()}
    results = await _import(client, globex, [("kb.zip", sent.content)], base=GLOBEX)
    assert [r["outcome"] for r in results] == ["created"] * 3, results
    before = {a["slug"]: a for a in await _ok(client, acme, "GET", ACME + "/articles")}
    after = {a["slug"]: a for a in await _ok(client, globex, "GET", GLOBEX + "/articles")}
    assert sorted(before) == sorted(after)
    for slug, old in before.items():
        new = after[slug]
        for key in ("title", "kind", "tags", "language", "audience", "review_on"):
            assert new[key] == old[key], (slug, key)
        assert [codes[i] for i in new["reason_ids"]] == [codes[i] for i in old["reason_ids"]]
        assert equivalent_html(new["body"], old["body"]), (old["body"], new["body"])
    assert "Спросите" in after["karta"]["body"]
    assert "żółw" in after["polskie-znaki"]["body"]

    again = await _import(client, globex, [("kb.zip", sent.content)], base=GLOBEX)
    assert [r["outcome"] for r in again] == ["unchanged"] * 3, again
    assert [r["version"] for r in again] == [1, 1, 1]


async def test_exported_markdown_looks_like_the_format(
    client: httpx.AsyncClient, world: World
) -> None:
    acme = world.auth("supervisor")
    ids = await _reasons(client, acme, ACME)
    await _ok(
        client, acme, "POST", ACME + "/articles",
        json={"title": "Fees: all of them", "body": "<p>Zero.</p>", "tags": ["fees"],
              "reason_ids": [ids["cards"]]},
    )  # fmt: skip
    sent = await client.get(ACME + "/articles/export", headers=acme)
    text = zipfile.ZipFile(io.BytesIO(sent.content)).read("fees-all-of-them.md").decode()
    assert text == (
        "---\ntitle: Fees: all of them\nslug: fees-all-of-them\nkind: article\nlanguage: en\n"
        "audience: both\ntags: fees\nreasons: cards\nreview_on:\n---\n\nZero.\n"
    )
    html = await client.get(ACME + "/articles/export?format=html&kind=guideline", headers=acme)
    assert zipfile.ZipFile(io.BytesIO(html.content)).namelist() == []  # no guideline


async def test_a_bad_file_fails_alone(client: httpx.AsyncClient, world: World) -> None:
    acme = world.auth("supervisor")
    await _reasons(client, acme, ACME)
    files = [
        ("good.md", _md("title: Good one\nreasons: cards")),
        ("typo.md", _md("title: Typo\ntitel: x")),
        ("reason.md", _md("title: Reason\nreasons: cards, nope")),
        ("latin1.md", _md("title: Caf\xe9").replace("\xe9".encode(), b"\xe9")),
        ("notes.txt", b"hello"),
        ("meta.html", b'<html lang="en"><head><title>x</title>\n<meta name="omniline:lang" '
                      b'content="en"></head><body><p>x</p></body></html>'),
        ("kind.md", _md("title: K\nkind: howto")),
        ("guide.md", _md("title: G\nkind: guideline\naudience: public")),
        ("again.md", _md("title: Same slug\nslug: good")),
        ("nofront.md", b"# Just a heading\n"),
        ("good2.html", "<!doctype html><html lang='pl'><head><title>Dobry</title></head>"
                       "<body><p>Treść</p></body></html>".encode()),
    ]  # fmt: skip
    results = await _import(client, acme, files)
    got = {r["file"]: (r["outcome"], r["message"]) for r in results}
    assert [r["file"] for r in results] == [name for name, _ in files]
    assert got["good.md"][0] == got["good2.html"][0] == "created"
    assert got["typo.md"] == ("failed", got["typo.md"][1])
    assert got["typo.md"][1].startswith("line 3: unknown key 'titel'")
    assert got["reason.md"][1] == "reason code 'nope' not found in tenant 'acme'"
    assert got["latin1.md"][1].startswith("not UTF-8")
    assert "use .md" in got["notes.txt"][1]
    assert got["meta.html"][1].startswith("line 2: unknown meta 'omniline:lang'")
    assert got["kind.md"][1] == "line 3: kind: 'howto' is not one of article, guideline"
    assert "audience must be internal" in got["guide.md"][1]
    assert got["again.md"][1] == "slug 'good' is also used by good.md in this import"
    assert got["nofront.md"][1].startswith("line 1: a Markdown file starts with front matter")
    listed = await _ok(client, acme, "GET", ACME + "/articles")
    assert sorted(a["title"] for a in listed) == ["Dobry", "Good one"]
    assert {a["slug"]: a["language"] for a in listed} == {"good": "en", "good2": "pl"}


async def test_scripts_and_handlers_are_removed(client: httpx.AsyncClient, world: World) -> None:
    acme = world.auth("supervisor")
    attack = (
        '<script>alert(1)</script><img src="x.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">bad</a> <p onclick="alert(4)">kept text</p>'
    )
    md = _md("title: Md", f"Hello {attack}\n\n[link](javascript:alert(5))")
    html = f"<html><head><title>Html</title></head><body>{attack}</body></html>".encode()
    results = await _import(client, acme, [("md.md", md), ("h.html", html)])
    assert [r["outcome"] for r in results] == ["created", "created"]
    for article in await _ok(client, acme, "GET", ACME + "/articles"):
        # what is left of [link](javascript:alert(5)) is text, not a link
        for bad in ("<script", "onerror", "onclick", "href=\"javascript", "alert(1)", "alert(2)",
                    "javascript:alert(3)", "alert(4)"):  # fmt: skip
            assert bad not in article["body"], (bad, article["body"])
        assert "kept text" in article["body"]


async def test_zip_limits(client: httpx.AsyncClient, world: World) -> None:
    acme = world.auth("supervisor")
    many = _zip({f"a{i}.md": b"" for i in range(2001)})
    bomb = _zip({"big.md": b"---\ntitle: x\n---\n" + b"a" * 21_000_000})
    big_file = _zip({"big.md": b"---\ntitle: x\n---\n" + b"a" * 1_100_000,
                     "small.md": _md("title: Small")})  # fmt: skip
    results = await _import(
        client, acme, [("many.zip", many), ("bomb.zip", bomb), ("mixed.zip", big_file),
                       ("broken.zip", b"PK\x03\x04 not really")],
    )  # fmt: skip
    got = [(r["file"], r["outcome"], r["message"]) for r in results]
    assert got == [
        ("many.zip", "failed", "zip too large: 2,001 files, the limit is 2,000"),
        ("bomb.zip", "failed", "zip too large: the limit is 20,000,000 bytes uncompressed"),
        ("mixed.zip/big.md", "failed", "the file is larger than 1,000,000 bytes: split it"),
        ("mixed.zip/small.md", "created", ""),
        ("broken.zip", "failed", "not a valid zip file"),
    ]


async def test_existing_slug_makes_a_version_only_when_changed(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    acme = world.auth("supervisor")
    await _reasons(client, acme, ACME)
    first = _md("title: Fees\nslug: fees\ntags: money", "No fees.")
    [made] = await _import(client, acme, [("fees.md", first)])
    assert (made["outcome"], made["version"], made["published"]) == ("created", 1, False)
    audits = await _audit_count(runtime)
    [same] = await _import(client, acme, [("fees.md", first)])
    assert (same["outcome"], same["version"]) == ("unchanged", 1)
    assert await _audit_count(runtime) == audits  # nothing happened, nothing is recorded
    changed = _md("title: Fees\nslug: fees\ntags: money", "No fees, *ever*.")
    [edited] = await _import(client, acme, [("fees.md", changed)], publish=True)
    assert (edited["outcome"], edited["version"], edited["published"]) == ("updated", 2, True)
    assert edited["message"] == "version 2: changed body; published"
    versions = await _ok(client, acme, "GET", f"{ACME}/articles/{made['article_id']}/versions")
    assert [(v["number"], v["note"]) for v in versions] == [
        (2, "imported from fees.md"),
        (1, "created"),
    ]
    linked = _md("title: Fees\nslug: fees\ntags: money\nreasons: cards", "No fees, *ever*.")
    [relinked] = await _import(client, acme, [("fees.md", linked)], publish=True)
    assert (relinked["outcome"], relinked["version"]) == ("updated", 2)
    assert relinked["message"] == "reasons changed"
    guide = _md("title: Fees\nslug: fees\nkind: guideline\naudience: internal")
    [refused] = await _import(client, acme, [("fees.md", guide)])
    assert refused["outcome"] == "failed"
    assert "the kind of an existing article cannot change" in refused["message"]


async def _audit_count(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_only_editors_import_and_export(client: httpx.AsyncClient, world: World) -> None:
    agent = world.auth("agent")
    sent = await client.get(ACME + "/articles/export", headers=agent)
    assert sent.status_code == 403
    files = [("file", ("a.md", _md("title: A"), "text/markdown"))]
    taken = await client.post(ACME + "/articles/import", files=files, headers=agent)
    assert taken.status_code == 403
    assert await _ok(client, agent, "GET", ACME + "/articles") == []


def test_cli_import_and_export(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    cli(env, "migrate")
    cli(env, "tenants", "create", "acme", "Acme")
    good = tmp_path / "welcome.md"
    good.write_bytes(_md("title: Welcome\nlanguage: pl", "Witaj, **świecie**."))
    bad = tmp_path / "bad.md"
    bad.write_bytes(_md("titel: Oops"))
    done = subprocess.run(
        [sys.executable, "-m", "omniline", "articles", "import", "--tenant", "acme", "--publish",
         str(good), str(bad)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"created\t{good}\twelcome\tpublished"
    assert lines[1].startswith(f"failed\t{bad}\t-\tline 2: unknown key 'titel'")
    out = tmp_path / "out.zip"
    cli(env, "articles", "export", "--tenant", "acme", "--format", "md", str(out))
    text = zipfile.ZipFile(out).read("welcome.md").decode()
    assert "language: pl\n" in text
    assert "Witaj, **świecie**." in text
    again = cli(env, "articles", "import", "--tenant", "acme", str(out))
    assert again.startswith(f"unchanged\t{out}/welcome.md\twelcome")


async def test_uploads_may_be_larger_than_other_requests(
    client: httpx.AsyncClient, world: World
) -> None:
    """The API's 1 MB body limit does not apply to imports (their own limits above do)."""
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        for i in range(3):
            archive.writestr(f"long{i}.md", b"---\ntitle: Long\n---\n" + b"word " * 160_000)
    assert len(stored.getvalue()) > 2_000_000
    results = await _import(client, world.auth("supervisor"), [("long.zip", stored.getvalue())])
    assert [r["outcome"] for r in results] == ["failed"] * 3  # bodies over 200,000 characters


async def test_markdown_is_kept_as_written_and_exported_as_written(
    client: httpx.AsyncClient, world: World
) -> None:
    """Issue 12: Markdown came back as HTML (converted); it is kept and written back as is."""
    acme = world.auth("supervisor")
    written = "Steps:\n\n* open the app\n* tap **Block**\n\n1) then call us"
    [made] = await _import(client, acme, [("block.md", _md("title: Block\nslug: block", written))])
    row = await _ok(client, acme, "GET", f"{ACME}/articles/{made['article_id']}")
    assert (row["body_format"], row["markdown"]) == ("md", written + "\n")
    assert "<strong>Block</strong>" in row["body"]
    exported = await client.get(f"{ACME}/articles/export", headers=acme)
    with zipfile.ZipFile(io.BytesIO(exported.content)) as zf:
        assert zf.read("block.md").decode().endswith(f"---\n\n{written}\n")
    [html_file] = await _import(
        client, acme, [("block.html", b"<html><title>Block</title><body><p>x</p></body></html>")]
    )
    assert html_file["outcome"] == "updated"
    row = await _ok(client, acme, "GET", f"{ACME}/articles/{made['article_id']}")
    assert (row["body_format"], row["markdown"]) == ("html", "")


async def test_a_file_cannot_give_a_translation_a_language_its_group_has(
    client: httpx.AsyncClient, world: World
) -> None:
    acme = world.auth("supervisor")
    [en] = await _import(client, acme, [("fees.md", _md("title: Fees\nslug: fees"))])
    [pl] = await _import(client, acme, [("oplaty.md", _md("title: Opłaty\nlanguage: pl"))])
    await _ok(
        client, acme, "PATCH", f"{ACME}/articles/{pl['article_id']}",
        json={"translation_of": en["article_id"]},
    )  # fmt: skip
    [refused] = await _import(client, acme, [("oplaty.md", _md("title: Opłaty\nlanguage: en"))])
    assert refused["outcome"] == "failed"
    assert "'fees' is already the en version" in refused["message"]
