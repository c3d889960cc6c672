"""REST API routers, one module per resource, mounted under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from ketasim.web.api import alerts, auth, forecasts, patients, records, rems, scales, sessions, simulate, site

__all__ = ["ERRORS", "router"]

router = APIRouter(prefix="/api")
for module in (auth, site, patients, sessions, rems, scales, alerts, forecasts, records, simulate):
    router.include_router(module.router)
router.include_router(patients.search)

from ketasim.web.api.common import ERRORS  # noqa: E402
