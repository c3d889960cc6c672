"""Security headers, login rate limiting and log hygiene (no patient data in logs)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LoginLimiter", "SecurityHeaders", "StripQueryFilter"]

HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]  # fmt: skip
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Pure ASGI middleware adding security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in HEADERS:
                    # Vendored static files are immutable per version: let the browser cache them.
                    if k == b"cache-control" and static:
                        v = b"public, max-age=86400"
                    if k not in names:
                        headers.append((k, v))
                if self.hsts:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class LoginLimiter:
    """Counts failed logins per client address and per account in a sliding window."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> float:
        """Seconds to wait before another try, 0 when allowed."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window_s - (now - q[0])
                for k in keys
                if len(q := self._recent(k, now)) >= self.max_failures
            ]
        return max(waits, default=0.0)

    def fail(self, *keys: str) -> None:
        """Records one failed attempt under every key."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeed(self, *keys: str) -> None:
        """Clears the failures of an account after a successful login."""
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


class StripQueryFilter(logging.Filter):
    """Drops query strings from access-log lines: searches by name must not reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = record.args[2]
            if isinstance(path, str):
                record.args = (*record.args[:2], path.split("?", 1)[0], *record.args[3:])
        return True
