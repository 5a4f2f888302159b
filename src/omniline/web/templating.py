"""Jinja templates with autoescaping, the visitor's language, and the pages' security headers."""

import hashlib
import hmac
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from omniline.kit.clock import utcnow
from omniline.web import i18n

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# pages load only their own scripts and styles; article images may come from https
CSP = (
    "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request,
    name: str,
    language: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language; remembers an explicitly chosen language. A `part`
    in the context ("portal") names the catalog whose translations the page reads first."""
    part = str(context.pop("part", ""))
    page = environment.get_template(name).render(
        request=request,
        lang=language,
        languages=i18n.NAMES,
        _=i18n.translator(language, part),
        server_time=utcnow().isoformat(),
        **context,
    )
    response = HTMLResponse(page, status_code=status_code, headers=HEADERS)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


def form_token(secret: str, scope: str) -> str:
    """A token a form carries to prove it came from our page (bound to the visitor's cookie)."""
    return hmac.new(secret.encode(), f"form:{scope}".encode(), hashlib.sha256).hexdigest()


def check_form_token(secret: str, scope: str, given: str) -> bool:
    """Whether a submitted form token is the one `form_token` made for this visitor."""
    return hmac.compare_digest(form_token(secret, scope), given or "")
