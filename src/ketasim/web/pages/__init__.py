"""Server-rendered pages (Jinja2 + HTMX): login, today, patients, entry forms, alerts, simulate."""

from __future__ import annotations

from fastapi import APIRouter

from ketasim.web.pages import alerts, auth, clinic, entry, rems, session, simulate

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for module in (auth, clinic, entry, session, rems, alerts, simulate):
    router.include_router(module.router)
