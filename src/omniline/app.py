"""create_app(): the web application with every router."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from omniline import __version__
from omniline.api import errors
from omniline.api.boundary import check_request
from omniline.api.errors import error_body
from omniline.api.query import known_query
from omniline.audit.endpoints import router as audit_router
from omniline.auth.endpoints import router as auth_router
from omniline.callbacks.endpoints import router as callbacks_router
from omniline.cases.endpoints import router as cases_router
from omniline.channels.api.adapter import InboundPayload
from omniline.channels.email.endpoints import admin_router as email_admin_router
from omniline.channels.email.endpoints import router as email_router
from omniline.channels.webchat.endpoints import admin_router as webchat_admin_router
from omniline.channels.webchat.endpoints import router as webchat_router
from omniline.config import Settings
from omniline.customers.endpoints import router as customers_router
from omniline.files.endpoints import router as files_router
from omniline.inbound.endpoints import router as inbound_router
from omniline.interactions.endpoints import router as interactions_router
from omniline.kit import memory
from omniline.kit.clock import utcnow
from omniline.kit.errors import PayloadTooLarge
from omniline.knowledge.endpoints import router as knowledge_router
from omniline.portal.endpoints import router as portal_router
from omniline.realtime.endpoints import router as realtime_router
from omniline.reasons.endpoints import router as reasons_router
from omniline.routing.endpoints import router as routing_router
from omniline.runtime import Runtime
from omniline.tenants.endpoints import router as tenants_router
from omniline.users.endpoints import router as users_router
from omniline.web import errors as page_errors
from omniline.web.demo_site import router as demo_site_pages
from omniline.web.desk import router as desk_pages
from omniline.web.knowledge_pages import router as knowledge_pages
from omniline.web.portal import router as portal_pages
from omniline.web.staff import router as staff_pages
from omniline.web.templating import STATIC
from omniline.web.wallboard import router as wallboard_pages

API_ROUTERS: list[APIRouter] = [
    auth_router,
    tenants_router,
    users_router,
    inbound_router,
    customers_router,
    cases_router,
    interactions_router,
    callbacks_router,
    reasons_router,
    routing_router,
    knowledge_router,
    portal_router,
    audit_router,
    realtime_router,
    webchat_admin_router,
    files_router,
    email_router,
    email_admin_router,
]
# public routes without a login (their own checks: chat origin and conversation token)
PUBLIC_API_ROUTERS: list[APIRouter] = [webchat_router]
PAGE_ROUTERS: list[APIRouter] = [
    portal_pages,
    staff_pages,
    desk_pages,
    knowledge_pages,
    wallboard_pages,
]


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the application; the runtime starts and stops with it."""
    settings = settings or Settings()
    settings.check_secure()
    settings.apply_clock()
    runtime = runtime or Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start(worker=settings.worker_in_process)
        memory.settle()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Omniline",
        version=__version__,
        description="Open-source omnichannel contact center: one customer, one case, all channels.",
        lifespan=lifespan,
        docs_url=None,  # served below from this installation, not from a CDN
        redoc_url=None,
        dependencies=[Depends(check_request)],  # first on every route: storable values only
    )
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes
    )
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(known_query)])
    for router in PUBLIC_API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    page_errors.install(app)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    if settings.dev:  # a sample company site with the chat widget, for the demo
        app.include_router(demo_site_pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _serve_api_docs(app)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        """The front door is the staff pages (the login page until one logs in)."""
        return RedirectResponse("/desk")

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Liveness: the web stack answers (does not touch the database), and its clock."""
        return {"status": "ok", "time": utcnow().isoformat()}

    _extend_openapi(app)
    return app


def _serve_api_docs(app: FastAPI) -> None:
    """/docs with Swagger UI's files from the installation (the swagger-ui-bundle package):
    an installation without internet, or behind a strict proxy, still shows its API."""
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Omniline API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )


# endpoints that take files: they have a larger limit
UPLOAD_PATHS = ("/articles/import", "/files")


class BodyLimit:
    """Refuse request bodies over the limit: by Content-Length at once, or while streaming."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].endswith(UPLOAD_PATHS) else self.limit
        message = f"the request body is larger than {limit} bytes"
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            response = JSONResponse(error_body("payload_too_large", message), 413)
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > limit:
                raise PayloadTooLarge(message)
            return event

        await self.app(scope, counted, send)


def _extend_openapi(app: FastAPI) -> None:
    """Add schemas of bodies that endpoints read raw (to keep failed payloads)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, defs = models_json_schema(
            [(InboundPayload, "validation")], ref_template="#/components/schemas/{model}"
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
