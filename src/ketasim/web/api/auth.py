"""Sign in and out; who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request, Response
from pydantic import BaseModel, Field

from ketasim.store.crud.users import authenticate, end_login, start_login
from ketasim.store.schemas import UserPublic
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import DbDep, SignedDep

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=254)]
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


def login_or_raise(request: Request, db: DbDep, email: str, password: str) -> tuple[UserPublic, str, str]:
    """Checks the rate limit and the password; returns user, cookie token and CSRF token."""
    limiter = request.app.state.login_limiter
    keys = (f"ip:{request.client.host if request.client else '?'}", f"email:{email.strip().lower()}")
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise HTTPException(
            429, "too many failed logins; try later", headers={"Retry-After": str(int(wait) + 1)}
        )
    user = authenticate(db, email, password)
    if user is None:
        limiter.fail(*keys)
        raise HTTPException(401, "wrong email or password")
    limiter.succeed(keys[1])
    token, csrf = start_login(db, user, request.client.host if request.client else None)
    return UserPublic.model_validate(user), token, csrf


@router.post("/login", responses={401: ERRORS[401], 429: {"description": "too many failed logins"}})
def login(request: Request, response: Response, db: DbDep, body: Annotated[LoginIn, Body()]) -> LoginOut:
    """Signs in; sets the session cookie and returns the CSRF token for unsafe requests."""
    user, token, csrf = login_or_raise(request, db, body.email, body.password)
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
