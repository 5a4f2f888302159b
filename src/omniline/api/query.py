"""Every API route refuses query parameters it does not declare.

Without this a misspelt or unsupported filter (`GET /customers?email=...`) is ignored and the
caller gets everything, believing it was filtered. One dependency, given to every API router
at the composition root, compares the request's query keys with the route's declared ones.
"""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection

from omniline.kit.errors import InvalidInput

_declared: dict[int, frozenset[str]] = {}


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included (read once)."""
    key = id(route)
    if key not in _declared:
        _declared[key] = frozenset(_query_names(route.dependant))
    return _declared[key]


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def known_query(connection: HTTPConnection) -> None:
    """422 naming the unknown query parameters, and the ones the route takes."""
    route = connection.scope.get("route")
    if connection.scope["type"] != "http" or not isinstance(route, APIRoute):
        return
    known = declared_query(route)
    unknown = sorted(set(connection.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}: this endpoint takes {takes}",
            unknown=unknown,
            accepted=sorted(known),
        )
