"""Errors on pages answer as pages (in the visitor's language); the API keeps its JSON."""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from omniline.kit.errors import DomainError
from omniline.web import i18n
from omniline.web.staff import LoginNeeded, login_redirect
from omniline.web.templating import render

PAGE_PREFIXES = ("/help/", "/t/", "/desk", "/login", "/logout")
Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def _status_and_message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, DomainError):
        return exc.status_code, exc.message
    if isinstance(exc, RequestValidationError):
        fields = ", ".join(
            f"{'.'.join(map(str, e['loc'][1:])) or 'form'}: {e['msg']}" for e in exc.errors()[:3]
        )
        return 422, f"the form is not filled in correctly ({fields}): go back and check it"
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, "this page does not exist" if exc.status_code == 404 else str(
            exc.detail
        )
    return 500, "something went wrong on our side"


def install(app: FastAPI) -> None:
    """Wrap the JSON error handlers: on page paths, render the error page instead."""
    for kind in (DomainError, RequestValidationError, StarletteHTTPException):
        json_handler: Handler = app.exception_handlers[kind]

        async def handle(
            request: Request, exc: Exception, json_handler: Handler = json_handler
        ) -> Response:
            if not request.url.path.startswith(PAGE_PREFIXES):
                made = json_handler(request, exc)
                return await made if isinstance(made, Awaitable) else made
            if isinstance(exc, LoginNeeded):
                return login_redirect(request)
            status_code, message = _status_and_message(exc)
            language = i18n.pick_language(request, "en")
            parts = request.url.path.split("/")
            home = "/".join(parts[:3]) if len(parts) > 2 and parts[2] else ""
            part = "portal" if request.url.path.startswith("/help/") else ""
            return render(
                request, "error.html", language, status_code, part=part, message=message, home=home
            )

        app.add_exception_handler(kind, handle)
