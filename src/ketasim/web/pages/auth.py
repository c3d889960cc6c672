"""Log in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketasim.store.crud.users import end_login
from ketasim.web.api.auth import login_or_raise, set_cookie
from ketasim.web.deps import DbDep, same_origin
from ketasim.web.pages.deps import PageDep
from ketasim.web.templating import render

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The login form."""
    return render(request, "login.html")


@router.post("/login", response_model=None)
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    """Signs in from the form; failures count towards the rate limit."""
    same_origin(request)
    try:
        _, token, _ = await login_or_raise(request, email, password)
    except HTTPException as err:
        message = (
            "Too many failed logins; try again later."
            if err.status_code == 429
            else "Wrong email or password."
        )
        return render(request, "login.html", status_code=err.status_code, error=message)
    response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, signed: PageDep) -> RedirectResponse:
    """Signs out."""
    end_login(db, request.cookies[request.app.state.settings.cookie_name])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(request.app.state.settings.cookie_name, path="/")
    return response
