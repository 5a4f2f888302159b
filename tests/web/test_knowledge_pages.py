"""The knowledge base's editor pages through HTTP: write, version, publish, roll back, link
to reasons, import, report; read-only for agents; form tokens; escaping; tenant isolation."""

import hashlib
import html
import io
import re
import zipfile
from html.parser import HTMLParser
from typing import Any

import httpx

from omniline.runtime import Runtime
from omniline.web.templating import form_token
from tests.conftest import PASSWORD, World
from tests.support.people import page_log_in

API = "/api/v1/tenants/acme"
KB = "/t/acme/knowledge"
XSS = "<img src=x onerror=alert(1)>"


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


async def log_in(client: httpx.AsyncClient, who: str) -> None:
    email = "admin@globex.test" if who == "other_admin" else f"{who}@acme.test"
    done = await page_log_in(client, email, PASSWORD)
    assert done.status_code == 303, done.text


async def api(client: httpx.AsyncClient, world: World, method: str, path: str, **kw: Any) -> Any:
    response = await client.request(method, API + path, headers=world.auth("admin"), **kw)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def textarea_of(page: str) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert found, "the page has no text to edit"
    return html.unescape(found.group(1))


def session_token(client: httpx.AsyncClient, runtime: Runtime) -> str:
    """The form token the pages give the logged-in person (for pages that show no form)."""
    digest = hashlib.sha256(client.cookies["omniline_session"].encode()).hexdigest()
    return form_token(runtime.settings.secret_key, f"staff:{digest}")


class Markup(HTMLParser):
    """The tags of a page and their attributes' names."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)
        self.attributes.extend(f"{name}={value}" for name, value in attrs if name == "href")


def article_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.search(r"/knowledge/([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def form(token: str, **fields: Any) -> dict[str, Any]:
    base = {"title": "", "body": "", "body_format": "md", "language": "en", "audience": "both"}
    return {**base, "tags": "", "review_on": "", "note": "", "token": token, **fields}


async def write(client: httpx.AsyncClient, **fields: Any) -> str:
    """An article made through the new-article page; its id."""
    new = await client.get(f"{KB}/new")
    made = await client.post(f"{KB}/new", data=form(token_of(new.text), **fields))
    return article_id_of(made)


async def test_write_in_markdown_edit_publish_and_roll_back(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "supervisor")
    new = await client.get(f"{KB}/new")
    assert new.status_code == 200
    assert 'value="md" checked' in new.text  # new articles are written in Markdown
    text_one = "## Steps\n\nOpen the **app** and press *Block*.\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    made = await client.post(
        f"{KB}/new",
        data=form(token_of(new.text), title="Block a card", body=text_one, tags="Cards, app"),
    )
    article_id = article_id_of(made)
    assert "?done=created" in made.headers["location"]
    page = await client.get(made.headers["location"])
    assert "The draft is saved as version 1." in page.text
    assert "<h2>Steps</h2>" in page.text
    assert "<strong>app</strong>" in page.text
    assert "<table>" in page.text  # Markdown tables, as in imported files
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["version"], row["status"], row["tags"]) == (1, "draft", ["app", "cards"])

    # the same Markdown again makes no version; a change does, with its note
    token = token_of(page.text)
    again = await client.post(
        f"{KB}/{article_id}",
        data=form(token, title="Block a card", body=text_one, tags="cards,app"),
    )
    assert "done=unchanged" in again.headers["location"]
    for shown in ("md", "html"):  # the text as the page shows it, sent back unchanged
        page = await client.get(f"{KB}/{article_id}?format={shown}")
        unchanged = form(
            token, title="Block a card", body=textarea_of(page.text), tags="app, cards"
        )
        sent = await client.post(f"{KB}/{article_id}", data={**unchanged, "body_format": shown})
        assert "done=unchanged" in sent.headers["location"], shown
    assert "## Steps" in textarea_of((await client.get(f"{KB}/{article_id}?format=md")).text)
    text_two = "## Steps\n\nCall us at **100**."
    edited = await client.post(
        f"{KB}/{article_id}",
        data=form(token, title="Block a card", body=text_two, tags="cards", note="new number"),
    )
    assert "done=saved" in edited.headers["location"]
    published = await client.post(f"{KB}/{article_id}/publish", data={"token": token})
    assert published.headers["location"].endswith("done=published")
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["version"], row["published_version"]) == (2, 2)
    portal = await client.get(f"/help/acme/articles/{row['slug']}")
    assert "Call us at <strong>100</strong>" in portal.text

    back = await client.post(f"{KB}/{article_id}/rollback", data={"token": token, "version": "1"})
    assert back.headers["location"].endswith("done=rolled_back")
    page = await client.get(back.headers["location"])
    assert "Rolled back" in page.text
    assert "new number" in page.text  # the versions list: every version's note
    assert "rolled back to version 1" in page.text
    assert page.text.count('aria-label="Roll back to version') == 2  # not to the newest
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["version"], row["published_version"]) == (3, 3)
    assert "Open the <strong>app</strong>" in row["body"]
    two = await client.get(f"{KB}/{article_id}/versions/2")
    assert "Call us at <strong>100</strong>" in two.text
    assert "Supervisor" in two.text  # the author
    assert (await client.get(f"{KB}/{article_id}/versions/9")).status_code == 404

    unpublished = await client.post(f"{KB}/{article_id}/unpublish", data={"token": token})
    assert unpublished.headers["location"].endswith("done=unpublished")
    assert (await client.get(f"/help/acme/articles/{row['slug']}")).status_code == 404
    listed = await client.get(KB, params={"status": "unpublished", "q": "BLOCK"})
    assert "Block a card" in listed.text
    assert "Block a card" not in (await client.get(KB, params={"status": "draft"})).text
    assert "Block a card" not in (await client.get(KB, params={"q": "nothing"})).text


async def test_errors_show_the_form_again_with_what_was_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "supervisor")
    new = await client.get(f"{KB}/new")
    token = token_of(new.text)
    empty = await client.post(f"{KB}/new", data=form(token, title="  ", body="my typed words"))
    assert empty.status_code == 422
    assert "the title is empty" in empty.text
    assert "my typed words" in empty.text
    bad_date = await client.post(
        f"{KB}/new", data=form(token, title="Dated", body="x", review_on="31.12.2030")
    )
    assert bad_date.status_code == 422
    assert 'value="Dated"' in bad_date.text
    # publishing an empty body fails; nothing of the failed request is kept
    nothing = await client.post(f"{KB}/new", data=form(token, title="Hollow", then="publish"))
    assert nothing.status_code == 422
    assert "needs a title and a body" in nothing.text
    assert 'value="Hollow"' in nothing.text
    assert await api(client, world, "GET", "/articles") == []

    article_id = await write(client, title="Kept", body="old")
    failed = await client.post(
        f"{KB}/{article_id}",
        data=form(token, title="Kept", body="", note="typed note", then="publish"),
    )
    assert failed.status_code == 422
    assert 'value="typed note"' in failed.text
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["version"], row["body"]) == (1, "<p>old</p>\n")


async def test_a_guideline_written_from_the_reasons_page(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "supervisor")
    page = await client.get(f"{KB}/reasons")
    token = token_of(page.text)
    added = await client.post(
        f"{KB}/reasons", data={"code": "cards", "name": "Cards", "token": token}
    )
    assert added.status_code == 303
    cards = {r["code"]: r for r in await api(client, world, "GET", "/reasons")}["cards"]
    sub = {"code": "cards.lost", "name": "Lost card", "parent": cards["id"], "token": token}
    assert (await client.post(f"{KB}/reasons", data=sub)).status_code == 303
    again = await client.post(f"{KB}/reasons", data={**sub, "name": "Typed again"})
    assert again.status_code == 409
    assert "already exists" in again.text
    assert 'value="Typed again"' in again.text

    page = await client.get(f"{KB}/reasons")
    link = f"{KB}/new?kind=guideline&amp;reason=cards.lost"
    assert link in page.text
    new = await client.get(link.replace("&amp;", "&"))
    lost = {r["code"]: r for r in await api(client, world, "GET", "/reasons")}["cards.lost"]
    assert f'value="{lost["id"]}" checked' in new.text
    assert 'name="audience" value="internal"' in new.text
    made = await client.post(
        f"{KB}/new",
        data={
            **form(token, title="Handling a lost card", body="Ask where and when."),
            "kind": "guideline",
            "audience": "both",  # a guideline is internal whatever the form says
            "reasons": [lost["id"]],
        },
    )
    row = await api(client, world, "GET", f"/articles/{article_id_of(made)}")
    assert (row["kind"], row["audience"], row["reason_ids"]) == (
        "guideline",
        "internal",
        [lost["id"]],
    )
    page = await client.get(f"{KB}/reasons")
    assert "Handling a lost card" in page.text
    assert "Write another guideline" in page.text

    renamed = await client.post(
        f"{KB}/reasons/{lost['id']}", data={"name": "Lost or stolen card", "token": token}
    )
    assert renamed.status_code == 303
    lost = {r["code"]: r for r in await api(client, world, "GET", "/reasons")}["cards.lost"]
    assert (lost["name"], lost["active"]) == ("Lost or stolen card", False)


async def test_import_a_zip_through_the_page(client: httpx.AsyncClient, world: World) -> None:
    await log_in(client, "supervisor")
    page = await client.get(KB)
    assert f"{API}/articles/export?format=md" in page.text
    assert f"{API}/articles/export?format=html" in page.text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("pin.md", "---\ntitle: Forgot the PIN\ntags: cards\n---\nCall **us**.\n")
        zf.writestr("broken.md", "no front matter here\n")
    files = [("file", ("kb.zip", buffer.getvalue(), "application/zip"))]
    sent = await client.post(
        f"{KB}/articles/import",
        data={"token": token_of(page.text), "publish": "true"},
        files=files,
    )
    assert sent.status_code == 200, sent.text
    assert "Import results" in sent.text
    assert "kb.zip/pin.md" in sent.text
    assert "Created" in sent.text
    assert "Failed" in sent.text
    assert "a Markdown file starts with front matter" in sent.text
    [row] = await api(client, world, "GET", "/articles")
    assert (row["title"], row["status"]) == ("Forgot the PIN", "published")
    export = await client.get(f"{API}/articles/export?format=md")  # the page's link, by cookie
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/zip"


async def test_the_report_shows_searches_that_found_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    await client.get("/help/acme/search", params={"q": "crypto wallet <b>"})
    await log_in(client, "supervisor")
    report = await client.get(f"{KB}/report", params={"days": 7})
    assert report.status_code == 200
    assert "Searches that found nothing" in report.text
    assert "crypto wallet &lt;b&gt;" in report.text
    assert "Help portal visits" in report.text
    assert (await client.get(f"{KB}/report", params={"days": 0})).status_code == 422


async def test_agents_read_but_do_not_change(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    await log_in(client, "supervisor")
    article_id = await write(client, title="For agents", body="Read **me**.")
    await log_in(client, "agent")
    listed = await client.get(KB)
    assert listed.status_code == 200
    assert "For agents" in listed.text
    assert "New article" not in listed.text
    assert "/articles/import" not in listed.text
    page = await client.get(f"{KB}/{article_id}")
    assert page.status_code == 200
    assert "Read <strong>me</strong>" in page.text
    assert "<textarea" not in page.text
    assert "Roll back" not in page.text
    assert "/publish" not in page.text
    assert f'<form method="post" action="{KB}/{article_id}' not in page.text
    assert (await client.get(f"{KB}/reasons")).status_code == 200
    assert (await client.get(f"{KB}/new")).status_code == 403
    assert (await client.get(f"{KB}/report")).status_code == 403
    token = session_token(client, runtime)  # a real token of the agent's session
    posts = {
        f"{KB}/new": form(token, title="Mine"),
        f"{KB}/{article_id}": form(token, title="Mine"),
        f"{KB}/{article_id}/publish": {"token": token},
        f"{KB}/{article_id}/unpublish": {"token": token},
        f"{KB}/{article_id}/rollback": {"token": token, "version": "1"},
        f"{KB}/reasons": {"code": "x", "name": "X", "token": token},
    }
    for path, data in posts.items():
        refused = await client.post(path, data=data)
        assert refused.status_code == 403, path
        assert "Something is wrong" in refused.text  # a page, not JSON
    files = [("file", ("a.md", b"---\ntitle: A\n---\nx", "text/markdown"))]
    refused = await client.post(f"{KB}/articles/import", data={"token": token}, files=files)
    assert refused.status_code == 403
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["title"], row["version"]) == ("For agents", 1)


async def test_forms_without_the_token_are_refused(client: httpx.AsyncClient, world: World) -> None:
    await log_in(client, "supervisor")
    article_id = await write(client, title="Guarded", body="x")
    for token in ("", "0" * 64):
        made = await client.post(f"{KB}/new", data=form(token, title="Forged"))
        assert made.status_code == 400
        assert "the form has expired" in made.text
        published = await client.post(f"{KB}/{article_id}/publish", data={"token": token})
        assert published.status_code == 400
    page = await client.get(f"{KB}/new")
    await log_in(client, "admin")  # another session: the old page's token is not theirs
    stale = await client.post(f"{KB}/new", data=form(token_of(page.text), title="Forged"))
    assert stale.status_code == 400
    assert [a["title"] for a in await api(client, world, "GET", "/articles")] == ["Guarded"]


async def test_markup_typed_by_editors_is_shown_as_text(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "supervisor")
    article_id = await write(
        client,
        title=f"Title {XSS}",
        tags=f"{XSS}, <script>alert(2)</script>",
        body=f"Text <script>alert(3)</script> {XSS} [x](javascript:alert(4))",
    )
    page = await client.get(f"{KB}/{article_id}")
    reason = {"code": "xss", "name": f"Reason {XSS}", "token": token_of(page.text)}
    assert (await client.post(f"{KB}/reasons", data=reason)).status_code == 303
    noted = form(token_of(page.text), title=f"Title {XSS}", body="changed", note=f"note {XSS}")
    assert (await client.post(f"{KB}/{article_id}", data=noted)).status_code == 303
    for path in (KB, f"{KB}/{article_id}", f"{KB}/{article_id}/versions/1", f"{KB}/reasons"):
        page = await client.get(path)
        assert page.status_code == 200
        markup = Markup(page.text)
        assert "script" not in markup.tags, path
        assert [a for a in markup.attributes if a.startswith(("on", "href=javascript"))] == []
    page = await client.get(f"{KB}/{article_id}")
    assert "Title &lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "note &lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "Reason &lt;img src=x onerror=alert(1)&gt;" in (await client.get(f"{KB}/reasons")).text


async def test_other_tenants_pages_are_not_found(client: httpx.AsyncClient, world: World) -> None:
    client.cookies.clear()
    away = await client.get(KB)
    assert away.status_code == 303
    assert away.headers["location"] == f"/login?next={KB}"
    await log_in(client, "supervisor")
    article_id = await write(client, title="Acme only", body="x")
    assert (await client.get("/t/globex/knowledge")).status_code == 404
    assert (await client.get(f"{KB}/00000000-0000-0000-0000-000000000000")).status_code == 404
    await log_in(client, "other_admin")
    for path in (KB, f"{KB}/{article_id}", f"{KB}/reasons", f"{KB}/report"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get("/t/globex/knowledge")).status_code == 200


async def test_an_article_reopens_in_the_format_its_author_wrote(
    client: httpx.AsyncClient, world: World
) -> None:
    """Issue 12: an article written in Markdown reopened as HTML (the page showed HTML unless
    the address asked for Markdown); the Markdown is kept as written, so it reopens as is."""
    await log_in(client, "supervisor")
    written = "# Fees\n\n* one  \n* two\n\n1) first\n\nSee [the table](https://demo.bank/fees).\n"
    article_id = await write(client, title="Fees", body=written)
    page = await client.get(f"{KB}/{article_id}")  # as from the list: no format asked
    assert textarea_of(page.text) == written
    assert 'value="md" checked' in page.text
    row = await api(client, world, "GET", f"/articles/{article_id}")
    assert (row["body_format"], row["markdown"]) == ("md", written)
    assert "<h1>Fees</h1>" in row["body"]
    as_html = await client.get(f"{KB}/{article_id}?format=html")  # a view, on request
    assert "&lt;h1&gt;Fees&lt;/h1&gt;" in as_html.text
    assert 'value="html" checked' in as_html.text

    token = token_of(page.text)
    html_text = "<p>Fees are <strong>low</strong>.</p>"
    saved = await client.post(
        f"{KB}/{article_id}",
        data=form(token, title="Fees", body=html_text, body_format="html"),
    )
    assert "done=saved" in saved.headers["location"]
    again = await client.get(f"{KB}/{article_id}")
    assert textarea_of(again.text) == html_text  # now written in HTML, reopened in HTML
    assert 'value="html" checked' in again.text
    back = await client.post(f"{KB}/{article_id}/rollback", data={"token": token, "version": "1"})
    assert back.status_code == 303
    rolled = await client.get(f"{KB}/{article_id}")
    assert 'value="md" checked' in rolled.text  # a version keeps its format and Markdown
    assert textarea_of(rolled.text).startswith("# Fees")


async def test_the_editor_links_a_translation_both_ways(
    client: httpx.AsyncClient, world: World
) -> None:
    await log_in(client, "supervisor")
    english = await write(client, title="Block a card", body="Open the app.")
    polish = await write(
        client, title="Zablokuj kartę", body="Otwórz aplikację.", language="pl",
        translation_of="block-a-card",
    )  # fmt: skip
    page = await client.get(f"{KB}/{english}")
    assert f'href="/t/acme/knowledge/{polish}"' in page.text  # shown on both sides
    other = await client.get(f"{KB}/{polish}")
    assert f'href="/t/acme/knowledge/{english}"' in other.text
    assert 'name="translation_of" value="block-a-card"' in other.text
    token = token_of(page.text)
    clash = await client.post(
        f"{KB}/new",
        data=form(token, title="Zablokuj", body="x", language="pl", translation_of="block-a-card"),
    )
    assert clash.status_code == 409
    assert "is already the pl version" in clash.text
    unknown = await client.post(
        f"{KB}/{english}", data=form(token, title="Block a card", body="Open the app.",
                                     translation_of="no-such-article"),
    )  # fmt: skip
    assert unknown.status_code == 422
    unlinked = await client.post(
        f"{KB}/{polish}",
        data=form(token, title="Zablokuj kartę", body="Otwórz aplikację.", language="pl"),
    )
    assert "done=saved" in unlinked.headers["location"]
    row = await api(client, world, "GET", f"/articles/{english}")
    assert row["translations"] == []
    assert row["translation_group"] is None
