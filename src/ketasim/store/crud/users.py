"""Staff accounts, argon2 password hashes and login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.errors import RuleError
from ketasim.store.models import LoginSession, Site, User
from ketasim.store.schemas import SiteUpdate, UserCreate
from ketasim.store.types import utcnow

__all__ = [
    "authenticate",
    "create_site",
    "create_user",
    "end_login",
    "find_login",
    "list_users",
    "resolve_login",
    "start_login",
    "update_site",
    "verify_password",
]

#: argon2id with OWASP's minimum cost (19 MiB, 2 passes, 1 lane): ~60 ms here, not ~400 ms.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verifying against a dummy hash keeps unknown-email logins as slow as wrong passwords.
_DUMMY = _hasher.hash("not a password of anyone")
LOGIN_TTL = timedelta(hours=12)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_site(db: Session, *, name: str, timezone: str = "UTC", rems_certified: bool = False) -> Site:
    """A new clinic site (from the command line or tests; there is no cross-site API)."""
    site = Site(name=name, timezone=timezone, rems_certified=rems_certified)
    db.add(site)
    db.flush()
    record(db, None, "create", "site", site.id, site_id=site.id)
    return site


def update_site(db: Session, actor: Actor, data: SiteUpdate) -> Site:
    """Changes the site's thresholds (admins only)."""
    require(actor, "admin")
    site = db.get_one(Site, actor.site_id)
    for k, v in data.model_dump(exclude_unset=True).items():
        if v is None and k != "crisis_line":
            raise RuleError(k, "site.required", "may not be null", None)
        setattr(site, k, v)
    record(db, actor, "update", "site", site.id)
    return site


def create_user(db: Session, actor: Actor | None, data: UserCreate, *, site_id: int | None = None) -> User:
    """A new staff account in the actor's site (admins only; ``actor=None`` for seeding)."""
    if actor is not None:
        require(actor, "admin")
        site_id = actor.site_id
    assert site_id is not None
    email = data.email.strip().lower()
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise RuleError("email", "user.unique_email", "an account with this email exists", data.email)
    user = User(
        site_id=site_id,
        email=email,
        name=data.name,
        role=data.role,
        password_hash=_hasher.hash(data.password),
    )
    db.add(user)
    db.flush()
    record(db, actor, "create", "user", user.id, site_id=site_id)
    return user


def list_users(db: Session, actor: Actor, *, limit: int, offset: int) -> tuple[list[User], int]:
    """The site's staff (admins only)."""
    require(actor, "admin")
    q = select(User).where(User.site_id == actor.site_id)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    return list(db.scalars(q.order_by(User.id).limit(limit).offset(offset))), total


def find_login(db: Session, email: str) -> tuple[int, str] | None:
    """The id and password hash of the active account with this email."""
    row = db.execute(
        select(User.id, User.password_hash).where(User.email == email.strip().lower(), User.active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def verify_password(stored: str | None, password: str) -> bool:
    """Checks a password against its argon2 hash (or a dummy one, so that unknown emails cost the same)."""
    try:
        return bool(_hasher.verify(stored or _DUMMY, password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None`` (constant work either way)."""
    found = find_login(db, email)
    if not verify_password(found[1] if found else None, password):
        return None
    assert found is not None
    return db.get(User, found[0])


def start_login(db: Session, user: User, ip: str | None) -> tuple[str, str]:
    """Opens a login session: returns the cookie token and its CSRF token."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.add(
        LoginSession(
            token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id, expires_at=utcnow() + LOGIN_TTL
        )
    )
    db.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    record(db, Actor(user.id, user.site_id, user.role, ip), "login", "user", user.id)
    return token, csrf


def resolve_login(db: Session, token: str) -> tuple[User, LoginSession] | None:
    """The user and login of a cookie token, unless expired or deactivated (one query)."""
    row = db.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token), User.active.is_(True))
    ).first()
    if row is None or row[1].expires_at < utcnow():
        return None
    return row[0], row[1]


def end_login(db: Session, token: str) -> None:
    """Logs out: the token stops working at once."""
    db.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
