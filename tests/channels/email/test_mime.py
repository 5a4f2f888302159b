"""Building e-mail with the standard library: headers, encodings, parts and threads."""

import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from omniline.channels.email.mime import (
    MAX_REFERENCES,
    Mail,
    build,
    kept_references,
    message_id_for,
    text_to_html,
)


def mail(**changes: object) -> Mail:
    values: dict[str, object] = {
        "from_address": "support@acme.test",
        "from_name": "Acme Support",
        "to": ["ada@example.com"],
        "subject": "Your case",
        "body": "Hello Ada,\n\nit works again.\nBye",
        "message_id": "<1@acme.test>",
        "date": datetime(2026, 12, 7, 10, 30, tzinfo=UTC),
    }
    values.update(changes)
    return Mail(**values)  # type: ignore[arg-type]


def sent(made: Mail) -> EmailMessage:
    """The message as a receiver parses it from the bytes on the wire."""
    parsed = message_from_bytes(build(made).as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers_and_two_alternatives() -> None:
    message = sent(mail())

    assert message["From"] == "Acme Support <support@acme.test>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Your case"
    assert message["Date"] == "Mon, 07 Dec 2026 10:30:00 +0000"
    assert message["Message-ID"] == "<1@acme.test>"
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    html = message.get_body(("html",))
    assert html is not None
    content = html.get_content().replace("\r\n", "\n")
    assert "<p>Hello Ada,</p>\n<p>it works again.<br>\nBye</p>" in content


def test_names_and_subjects_beyond_ascii_are_encoded_and_read_back() -> None:
    made = build(mail(from_name="Zażółć Gęślą, Ltd.", subject="Ваше обращение №5"))
    wire = made.as_bytes()

    assert wire.isascii()
    message = message_from_bytes(wire, policy=policy.default)
    assert message["From"].addresses[0].display_name == "Zażółć Gęślą, Ltd."
    assert message["From"].addresses[0].addr_spec == "support@acme.test"
    assert message["Subject"] == "Ваше обращение №5"


def test_html_in_the_text_is_escaped_in_the_html_part() -> None:
    message = sent(mail(body='<img src=x onerror="alert(1)"> & <b>bold</b>'))

    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in (
        html.get_content()
    )
    assert "<img" not in html.get_content()
    assert text.get_content().strip() == '<img src=x onerror="alert(1)"> & <b>bold</b>'


def test_an_html_body_is_cleaned_and_has_a_text_twin() -> None:
    message = sent(
        mail(body="<p>Hi &amp; welcome</p><script>alert(1)</script>", content_type="text/html")
    )

    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "<p>Hi &amp; welcome</p>" in html.get_content()
    assert "script" not in html.get_content()
    assert text.get_content().strip() == "Hi & welcome"


def test_a_reply_names_its_thread() -> None:
    message = sent(mail(references=["<a@x>", "<b@x>", "<c@x>"]))

    assert message["In-Reply-To"] == "<c@x>"
    assert message["References"] == "<a@x> <b@x> <c@x>"


def test_long_threads_keep_their_first_and_latest_references() -> None:
    references = [f"<{n}@x>" for n in range(50)]

    kept = kept_references(references)

    assert len(kept) == MAX_REFERENCES
    assert kept[0] == "<0@x>"
    assert kept[-1] == "<49@x>"
    assert kept[1] == f"<{50 - MAX_REFERENCES + 1}@x>"


def test_message_ids_are_the_same_on_every_try() -> None:
    message_id = uuid.uuid4()

    assert message_id_for(message_id, "support@Acme.test") == f"<{message_id}@Acme.test>"
    assert message_id_for(message_id, "support@acme.test") == message_id_for(
        message_id, "support@acme.test"
    )


def test_plain_text_keeps_paragraphs_and_lines() -> None:
    assert text_to_html("a\nb\n\n\nc <d>") == "<p>a<br>\nb</p>\n<p>c &lt;d&gt;</p>"


def test_bodies_beyond_ascii_travel_as_seven_bit() -> None:
    made = build(mail(body="Zażółć gęślą jaźń — ok"))

    assert made.as_bytes().isascii()
    parsed = message_from_bytes(made.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text = parsed.get_body(("plain",))
    assert text is not None
    assert text.get_content().strip() == "Zażółć gęślą jaźń — ok"
