"""Log in and out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketasim.store.crud.users import end_login
from ketasim.web.api.auth import login_or_raise, set_cookie
from ketasim.web.deps import DbDep, same_origin
from ketasim.web.pages.deps import PageDep
from ketasim.web.templating import render

router = APIRouter()


def _login_cookie(request: Request) -> str:
    return f"{request.app.state.settings.cookie_name}_login"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The login form, with a token bound to a cookie of its own (login CSRF)."""
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", login_csrf=token)
    s = request.app.state.settings
    response.set_cookie(
        _login_cookie(request), token, httponly=True, secure=s.cookie_secure, samesite="strict",
        max_age=3600, path="/login",
    )  # fmt: skip
    return response


@router.post("/login", response_model=None)
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Signs in from the form; failures count towards the rate limit.

    The form's token must match its cookie: another site cannot sign a browser in to an account
    of the attacker's choosing (login CSRF), even where the browser sends ``Origin: null``.
    """
    same_origin(request)
    cookie = request.cookies.get(_login_cookie(request), "")
    if not (cookie and csrf_token and hmac.compare_digest(cookie, csrf_token)):
        message = "The login form has expired or did not come from this site: reload the page and try again."
        return render(request, "login.html", status_code=403, error=message, login_csrf=cookie or None)
    try:
        _, token, _ = await login_or_raise(request, email, password)
    except HTTPException as err:
        message = (
            "Too many failed logins; try again later."
            if err.status_code == 429
            else "Wrong email or password."
        )
        return render(request, "login.html", status_code=err.status_code, error=message, login_csrf=cookie)
    response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, token)
    response.delete_cookie(_login_cookie(request), path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, signed: PageDep) -> RedirectResponse:
    """Signs out."""
    end_login(db, request.cookies[request.app.state.settings.cookie_name])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(request.app.state.settings.cookie_name, path="/")
    return response
