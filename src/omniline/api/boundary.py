"""The boundary check every route runs first (an app-wide dependency): every path, query,
cookie, form and JSON value of every API call, page form and WebSocket handshake obeys
`kit.boundary`, or the request is refused naming the field: 422 from the API, the page's
error on pages, a refused handshake on a socket. WebSocket frames are checked where each
socket parses them (`kit.boundary.value_problems`).
"""

import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from fastapi import Request, WebSocketException
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIWebSocketRoute
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection
from starlette.status import WS_1007_INVALID_FRAME_PAYLOAD_DATA

from omniline.kit.boundary import Problem, integer_problem, json_body_problems, text_problem

_CACHE = "_omniline_whole_numbers"  # kept on the route object: computed once per route


async def check_request(connection: HTTPConnection) -> None:
    """Refuse the request if any value in it cannot be stored the same on both databases."""
    problems = [*_query_problems(connection), *_integer_problems(connection)]
    if isinstance(connection, Request) and not problems:
        problems = await _body_problems(connection)
    if not problems:
        return
    if connection.scope["type"] == "websocket":
        (loc, problem), *_ = problems
        raise WebSocketException(WS_1007_INVALID_FRAME_PAYLOAD_DATA, f"{_dotted(loc)}: {problem}")
    errors = [{"loc": loc, "msg": msg, "type": "value_error"} for loc, msg in problems]
    raise RequestValidationError(errors)


def _query_problems(connection: HTTPConnection) -> Iterator[Problem]:
    sources: list[tuple[str, list[tuple[str, str]]]] = [
        ("path", [(k, str(v)) for k, v in connection.path_params.items()]),
        ("query", connection.query_params.multi_items()),
        ("cookie", list(connection.cookies.items())),
    ]
    for where, items in sources:
        for name, value in items:
            problem = text_problem(name) or text_problem(value)
            if problem:
                yield (where, name), problem


def _integer_problems(connection: HTTPConnection) -> Iterator[Problem]:
    """Fields the route declares as whole numbers (path and query) hold 64-bit ones."""
    values = {
        "path": [(k, str(v)) for k, v in connection.path_params.items()],
        "query": connection.query_params.multi_items(),
    }
    declared = _whole_number_fields(connection.scope.get("route"))
    for where, items in values.items():
        for name, value in items:
            problem = (where, name) in declared and integer_problem(value)
            if problem:
                yield (where, name), problem


async def _body_problems(request: Request) -> list[Problem]:
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return []
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return await _form_problems(request)
    if not kind or "json" in kind:
        return json_body_problems(await request.body())
    return []


async def _form_problems(request: Request) -> list[Problem]:
    declared = _whole_number_fields(request.scope.get("route"))
    problems: list[Problem] = []
    for name, value in (await request.form()).multi_items():
        text = (value.filename or "") if isinstance(value, UploadFile) else value
        problem = text_problem(name) or text_problem(text)
        if not problem and ("body", name) in declared and isinstance(value, str):
            problem = integer_problem(value)
        if problem:
            problems.append((("body", name), problem))
    return problems


def _whole_number_fields(route: Any) -> frozenset[tuple[str, str]]:
    """(where, name) of the route's path, query and form fields typed as whole numbers."""
    if not isinstance(route, APIRoute | APIWebSocketRoute):
        return frozenset()
    found: frozenset[tuple[str, str]] | None = getattr(route, _CACHE, None)
    if found is None:
        found = frozenset(_walk(route.dependant))
        setattr(route, _CACHE, found)
    return found


def _walk(dependant: Dependant) -> Iterator[tuple[str, str]]:
    for where, fields in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("body", dependant.body_params),
    ):
        for field in fields:
            annotation = field.field_info.annotation
            if _is_int(annotation):
                yield where, field.alias
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                # a form read into a model: its fields are the form's (JSON bodies are
                # checked by their models' bounds, see kit.boundary)
                for name, inner in annotation.model_fields.items():
                    if _is_int(inner.annotation):
                        yield where, inner.alias or name
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _is_int(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_int(a) for a in get_args(annotation))
    return annotation is int


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in loc)
