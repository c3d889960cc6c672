"""The app factory: settings, database, middleware, error answers, API and pages."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from ketasim import __version__
from ketasim.store.db import is_sqlite, make_engine, make_sessionmaker
from ketasim.store.errors import ForbiddenError, NotFoundError, RuleError
from ketasim.web import api, pages
from ketasim.web.forecast_cache import ForecastCache
from ketasim.web.middleware import RequestGuard
from ketasim.web.security import LoginLimiter, SecurityHeaders
from ketasim.web.settings import Settings
from ketasim.web.templating import templates

__all__ = ["create_app"]

log = logging.getLogger("ketasim.web")


def warm_model(app: FastAPI) -> None:
    """Runs one forecast of the bundled example record (no patient's data), so that the model, the
    calibrated set and the compiled engine are loaded before the first chart is asked for."""
    from ketasim.io.examples import path
    from ketasim.io.patient_data import load_record
    from ketasim.web.model_bridge import patient_forecast

    try:
        patient_forecast(load_record(path("patient.csv")))
    except Exception as err:  # a failed warm-up only leaves the first chart slower
        log.warning("model warm-up failed: %s", type(err).__name__)
    app.state.warmed.set()


STATIC = Path(__file__).parent / "static"


#: Longest text echoed back as a refused ``input``; longer ones are cut (a 10 MB field is not echoed).
ECHO_CHARS = 100
#: Most refused fields listed in one answer.
MAX_ERRORS = 50
SECRET = "[redacted]"
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    422: "Not accepted",
    429: "Too many tries",
    500: "Something went wrong",
}


def _secret(key: object) -> bool:
    return "password" in str(key).lower()


def _jsonable(value: Any, depth: int = 0) -> Any:
    """What a refusal may echo: short, JSON-safe, and never a password."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        # Lone surrogates cannot be encoded as JSON text; they are shown replaced.
        text = value.encode("utf-8", "replace").decode("utf-8")
        return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}… ({len(text)} characters)"
    if depth >= 2:
        return f"({type(value).__name__})"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k)[:ECHO_CHARS]: SECRET if _secret(k) else _jsonable(v, depth + 1) for k, v in items[:20]}
        return out if len(items) <= 20 else {**out, "…": f"{len(items)} fields"}
    if isinstance(value, list | tuple):
        head = [_jsonable(v, depth + 1) for v in value[:10]]
        return head if len(value) <= 10 else [*head, f"… ({len(value)} items)"]
    return _jsonable(str(value), depth)


def _is_page(path: str) -> bool:
    """Pages answer errors in HTML; the API, HTMX fragments and the OpenAPI document in JSON."""
    return not path.startswith(("/api/", "/ui/", "/static/", "/openapi.json"))


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    context = {"status_code": status, "title": TITLES.get(status, "Error"), "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the app; nothing touches the database until the first request."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, hide_parameters=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.warm_model:
            threading.Thread(target=warm_model, args=(app,), name="ketasim-warm", daemon=True).start()
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
    app.state.forecasts = ForecastCache(settings.forecast_cache_size)
    app.state.warmed = threading.Event()
    app.state.login_limiter = LoginLimiter(
        settings.login_max_failures, settings.login_window_s, settings.login_address_max_failures
    )

    @app.exception_handler(RuleError)
    async def _rule(request: Request, err: RuleError) -> Response:
        if _is_page(request.url.path):
            return _page(request, 422, f"{err.field}: {err.rule} (rule {err.code})")
        item = {
            "loc": ["body", *err.field.split(".")],
            "msg": err.rule,
            "type": err.code,
            "input": SECRET if _secret(err.field) else _jsonable(err.received),
        }
        return JSONResponse({"detail": [item]}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _missing(request: Request, err: NotFoundError) -> Response:
        if _is_page(request.url.path):
            return _page(request, 404, str(err))
        return JSONResponse({"detail": str(err)}, status_code=404)

    @app.exception_handler(ForbiddenError)
    async def _forbidden(request: Request, err: ForbiddenError) -> Response:
        if _is_page(request.url.path):
            return _page(request, 403, str(err))
        return JSONResponse({"detail": str(err)}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Any:
        if err.status_code == 401 and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        if _is_page(request.url.path):
            message = "No such page." if err.status_code == 404 else str(err.detail)
            return _page(request, err.status_code, message, err.headers)
        return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> Response:
        errors = err.errors()
        if _is_page(request.url.path):
            fields = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors[:10])
            return _page(request, 422, f"The request was not accepted: {fields}.")
        items = [
            {
                "loc": [str(x) for x in e["loc"]],
                "msg": e["msg"],
                # pydantic refuses a lone surrogate before the text rules see it; same rule name.
                "type": "text.surrogate" if e["type"] == "string_unicode" else e["type"],
                "input": SECRET if any(_secret(x) for x in e["loc"]) else _jsonable(e.get("input")),
            }
            for e in errors[:MAX_ERRORS]
        ]
        return JSONResponse({"detail": items}, status_code=422)

    async def _fallback(scope: Scope) -> tuple[list[tuple[bytes, bytes]], bytes]:
        if _is_page(scope["path"]):
            html = templates.get_template("error.html").render(
                status_code=500, title=TITLES[500], message="The error was logged; please try again."
            )
            return [(b"content-type", b"text/html; charset=utf-8")], html.encode()
        return [(b"content-type", b"application/json")], b'{"detail":"internal error"}'

    # The guard is innermost, so that its 413 and 500 answers get the security headers too.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, fallback=_fallback)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Any:
        """The API documentation (Swagger UI, vendored)."""
        return templates.TemplateResponse(request, "docs.html", {})

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
