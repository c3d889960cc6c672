"""``ketasim serve``: the clinic app (pages and REST API) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from ketasim.cli._common import console, emit_json

__all__ = ["register", "serve"]


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(help="send the session cookie over plain HTTP too (only behind no proxy, local use)"),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="announce the address as one JSON line before serving")
    ] = False,
) -> None:
    """Serve the clinic app (pages and REST API) with uvicorn."""
    import logging

    import uvicorn

    from ketasim.web.app import create_app
    from ketasim.web.security import StripQueryFilter
    from ketasim.web.settings import Settings

    settings = Settings()
    settings = settings.model_copy(
        update={
            "database_url": url or settings.database_url,
            "cookie_secure": settings.cookie_secure and not insecure_cookies,
        }
    )
    logging.getLogger("uvicorn.access").addFilter(StripQueryFilter())
    if as_json:
        emit_json({"url": f"http://{host}:{port}", "host": host, "port": port}, line=True)
    else:
        console.print(f"serving ketasim clinic on http://{host}:{port}")
    # Keep idle connections longer than a clinician's pause between clicks: a connection closed
    # just as the browser reuses it costs a failed request and a retry.
    # proxy_headers=False: the app believes X-Forwarded-For only from KETASIM_TRUSTED_PROXIES.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        timeout_keep_alive=65,
        proxy_headers=False,
    )
