"""Sign in and out; who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request, Response
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ketasim.store.crud.users import end_login, find_login, start_login, verify_password
from ketasim.store.models import User
from ketasim.store.schemas import UserPublic
from ketasim.store.validators import clean_line
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import DbDep, SignedDep, request_address, run_in_unit, same_origin

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=254), AfterValidator(clean_line)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class LoginOut(BaseModel):
    user: UserPublic
    csrf_token: str


def set_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, Secure (unless configured off for plain-HTTP tests), SameSite=Lax."""
    s = request.app.state.settings
    response.set_cookie(
        s.cookie_name,
        token,
        httponly=True,
        secure=s.cookie_secure,
        samesite="lax",
        max_age=12 * 3600,
        path="/",
    )


async def login_or_raise(request: Request, email: str, password: str) -> tuple[UserPublic, str, str]:
    """Checks the rate limit and the password; returns user, cookie token and CSRF token.

    The slow password check runs outside any transaction, so it never holds the database.
    """
    limiter = request.app.state.login_limiter
    ip = request_address(request)
    keys = (ip, email.strip().lower())
    wait = limiter.retry_after(*keys)
    if wait > 0:
        retry = {"Retry-After": str(int(wait) + 1)}
        raise HTTPException(429, "too many failed logins; try later", headers=retry)
    found = await run_in_unit(request, lambda db: find_login(db, email))
    ok = await run_in_threadpool(verify_password, found[1] if found else None, password)
    if not ok or found is None:
        limiter.fail(*keys)
        raise HTTPException(401, "wrong email or password")
    limiter.succeed(*keys)

    def open_login(db: Session) -> tuple[UserPublic, str, str]:
        user = db.get_one(User, found[0])
        token, csrf = start_login(db, user, ip)
        return UserPublic.model_validate(user), token, csrf

    return await run_in_unit(request, open_login)


@router.post("/login", responses={401: ERRORS[401], 429: {"description": "too many failed logins"}})
async def login(request: Request, response: Response, body: Annotated[LoginIn, Body()]) -> LoginOut:
    """Signs in; sets the session cookie and returns the CSRF token for unsafe requests.

    Browsers send an Origin with every cross-site POST: another origin, or "null", is refused
    (login CSRF); clients that send no Origin (scripts, the CLI) are not browsers.
    """
    same_origin(request, allow_null=False)
    user, token, csrf = await login_or_raise(request, body.email, body.password)
    set_cookie(request, response, token)
    return LoginOut(user=user, csrf_token=csrf)


@router.post("/logout", status_code=204, responses=ERRORS)
def logout(request: Request, response: Response, db: DbDep, signed: SignedDep) -> None:
    """Signs out: the session stops working at once."""
    end_login(db, request.cookies[request.app.state.settings.cookie_name])
    response.delete_cookie(request.app.state.settings.cookie_name, path="/")


@router.get("/me", responses=ERRORS)
def me(signed: SignedDep) -> LoginOut:
    """The signed-in user and their CSRF token."""
    return LoginOut(user=UserPublic.model_validate(signed.user), csrf_token=signed.csrf)
