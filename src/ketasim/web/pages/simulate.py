"""Simulate a protocol (education): the form; the curves come from ``POST /api/simulate/pk``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketasim.web.api.simulate import NOTE
from ketasim.web.pages.deps import PageDep
from ketasim.web.templating import render

router = APIRouter()


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, signed: PageDep) -> HTMLResponse:
    """The simulate-a-protocol page."""
    return render(request, "simulate.html", signed, note=NOTE)
