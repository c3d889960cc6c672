"""Jinja2 templates (autoescaped) and the context every page gets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ketasim.store.anchors import anchor
from ketasim.store.crud.alerts import list_alerts
from ketasim.store.models import Site
from ketasim.web.deps import Signed

__all__ = ["render", "templates"]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def local(at: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the clinic's wall-clock time; empty for none."""
    return "" if at is None else at.astimezone(ZoneInfo(tz)).strftime(fmt)


templates.env.filters["local"] = local
templates.env.globals["anchor"] = anchor


def render(
    request: Request, name: str, signed: Signed | None = None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Renders a page; signed-in pages get the user, the CSRF token and the open-alert count."""
    if signed is not None:
        db = request.state.db if hasattr(request.state, "db") else None
        context.setdefault("user", signed.user)
        context.setdefault("csrf", signed.csrf)
        if db is not None:
            site = db.get(Site, signed.actor.site_id)
            context.setdefault("crisis_line", site.crisis_line if site is not None else None)
            context.setdefault(
                "open_alerts",
                list_alerts(db, signed.actor, open_only=True, patient_id=None, limit=1, offset=0)[1],
            )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
