"""The app factory: settings, database, middleware, error answers, API and pages."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ketasim import __version__
from ketasim.store.db import is_sqlite, make_engine, make_sessionmaker
from ketasim.store.errors import ForbiddenError, NotFoundError, RuleError
from ketasim.web import api, pages
from ketasim.web.security import LoginLimiter, SecurityHeaders
from ketasim.web.settings import Settings
from ketasim.web.templating import templates

__all__ = ["create_app"]

log = logging.getLogger("ketasim.web")
STATIC = Path(__file__).parent / "static"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the app; nothing touches the database until the first request."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, hide_parameters=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="ketasim clinic",
        version=__version__,
        summary="Sessions, scores, forecasts and safety alerts for ketamine and esketamine clinics.",
        description=(
            "A research and decision-support tool, not a medical device: it suggests; a clinician decides."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.write_lock = threading.Lock() if is_sqlite(settings.database_url) else None
    app.state.lock_waiters = anyio.CapacityLimiter(1000)
    app.state.login_limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)

    @app.exception_handler(RuleError)
    async def _rule(request: Request, err: RuleError) -> JSONResponse:
        item = {
            "loc": ["body", *err.field.split(".")],
            "msg": err.rule,
            "type": err.code,
            "input": _jsonable(err.received),
        }
        return JSONResponse({"detail": [item]}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _missing(request: Request, err: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=404)

    @app.exception_handler(ForbiddenError)
    async def _forbidden(request: Request, err: ForbiddenError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Any:
        if err.status_code == 401 and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        items = [
            {
                "loc": [str(x) for x in e["loc"]],
                "msg": e["msg"],
                "type": e["type"],
                "input": _jsonable(e.get("input")),
            }
            for e in err.errors()
        ]
        return JSONResponse({"detail": items}, status_code=422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> JSONResponse:
        # Only the exception's type: its message may quote stored values.
        log.error("unhandled %s on %s %s", type(err).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Any:
        """The API documentation (Swagger UI, vendored)."""
        return templates.TemplateResponse(request, "docs.html", {})

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
