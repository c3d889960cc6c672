"""Dependencies: the request's transaction, the signed-in actor, CSRF and paging."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ketasim.store.crud.audit import Actor
from ketasim.store.crud.users import resolve_login
from ketasim.store.errors import RuleError
from ketasim.store.models import User
from ketasim.store.schemas import MAX_ID
from ketasim.web.security import client_address

__all__ = [
    "ActorDep",
    "DbDep",
    "IdPath",
    "IdQuery",
    "Paging",
    "PagingDep",
    "UserDep",
    "no_phi_in_query",
    "writers",
]

#: A row id in a path or query: bounded so that no database integer overflows.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]

T = TypeVar("T")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def _acquire(request: Request) -> bool:
    """Takes the SQLite write lock without holding a worker thread hostage.

    Waiters park on a limiter of their own, so the default thread pool stays free for the
    lock holder to finish its request (a shared pool deadlocks once it is full of waiters).
    The wait is shielded: a cancelled request must not leave the lock taken.
    """
    lock = request.app.state.write_lock
    if lock is None:
        return False
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(lock.acquire, limiter=request.app.state.lock_waiters)
    return True


async def run_in_unit(request: Request, work: Callable[[Session], T]) -> T:
    """Runs ``work(db)`` in one transaction (SQLite: under the write lock) and commits it."""
    locked = await _acquire(request)
    try:

        def job() -> T:
            with request.app.state.sessions() as db, db.begin():
                return work(db)

        return await run_in_threadpool(job)
    finally:
        if locked:
            request.app.state.write_lock.release()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the answer is sent (scope='function').

    On SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE); requests
    queue on an in-process lock instead of SQLite's sleeping busy handler.
    """
    locked = await _acquire(request)
    try:
        db: Session = request.app.state.sessions()
        try:
            yield db
            await run_in_threadpool(db.commit)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(db.rollback)
            raise
        finally:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(db.close)
    finally:
        if locked:
            request.app.state.write_lock.release()


DbDep = Annotated[Session, Depends(get_db, scope="function")]


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token sent with an unsafe request: the X-CSRF-Token header or a form field."""
    if request.method not in UNSAFE:
        return None
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def request_address(request: Request) -> str:
    """The client's address; X-Forwarded-For counts only from configured proxies."""
    proxies = request.app.state.settings.trusted_proxies
    client = (request.client.host, request.client.port) if request.client else None
    return client_address(client, request.headers.get("x-forwarded-for"), proxies)


def same_origin(request: Request, *, allow_null: bool = True) -> None:
    """Refuses unsafe cross-site requests by their Origin header."""
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    if request.method not in UNSAFE or not origin:
        return
    # "null" (sandboxed frames, some redirects) is refused where no other token proves the origin.
    if (origin == "null" and not allow_null) or (origin != "null" and urlsplit(origin).netloc != host):
        raise HTTPException(403, "cross-origin request refused")


@dataclass(frozen=True)
class Signed:
    """The signed-in user and the actor derived from them."""

    user: User
    actor: Actor
    csrf: str


def signed_in(request: Request, db: DbDep, csrf: Annotated[str | None, Depends(submitted_csrf)]) -> Signed:
    """The signed-in user; unsafe requests must carry the session's CSRF token."""
    same_origin(request)
    token = request.cookies.get(request.app.state.settings.cookie_name)
    found = resolve_login(db, token) if token else None
    if found is None:
        raise HTTPException(401, "not signed in", headers={"WWW-Authenticate": "Cookie"})
    user, login = found
    if request.method in UNSAFE and not (csrf and hmac.compare_digest(csrf, login.csrf_token)):
        raise HTTPException(403, "missing or wrong CSRF token")
    ip = request_address(request)
    return Signed(user, Actor(user.id, user.site_id, user.role, ip), login.csrf_token)


SignedDep = Annotated[Signed, Depends(signed_in)]


def actor(signed: SignedDep) -> Actor:
    """The actor of a signed-in request."""
    return signed.actor


def current_user(signed: SignedDep) -> User:
    """The signed-in user."""
    return signed.user


ActorDep = Annotated[Actor, Depends(actor)]
UserDep = Annotated[User, Depends(current_user)]


@dataclass(frozen=True)
class Paging:
    """Limit and offset of a list request."""

    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=200, description="page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
) -> Paging:
    """Paging parameters with bounds."""
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def no_phi_in_query(*names: str) -> Callable[[Request], None]:
    """A dependency refusing patient identifiers in the query string: URLs reach proxy and server logs.

    The refusal names the parameter but never echoes its value.
    """

    def check(request: Request) -> None:
        for name in names:
            if name in request.query_params:
                raise RuleError(
                    f"query.{name}",
                    "phi.query_string",
                    "patient identifiers and search terms travel in the request body (POST), not the URL",
                    name,
                )

    return check


def writers(*roles: str) -> Any:
    """A router dependency: unsafe methods need one of ``roles`` (checked before the body is read)."""

    def check(request: Request, signed: SignedDep) -> None:
        if request.method in UNSAFE and signed.user.role not in roles:
            raise HTTPException(
                403, f"role {signed.user.role!r} may not change this (needs {' or '.join(roles)})"
            )

    return Depends(check)
