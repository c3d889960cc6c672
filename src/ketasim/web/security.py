"""Security headers, login rate limiting and log hygiene (no patient data in logs)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LoginLimiter", "SecurityHeaders", "StripQueryFilter", "client_address"]

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


@dataclass
class _Pair:
    """Failed logins of one account from one address."""

    fails: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    level: int = 0  # waits served so far: the next one lasts window × 2**level
    last: float = 0.0


class LoginLimiter:
    """Login backoff per account and address, and a cap per address (decision 0019).

    After ``max_failures`` failures of one account from one address within ``window_s``, that
    pair waits ``window_s``; each further failure after a wait doubles it (capped at a day). A
    success clears the pair. One address may fail ``address_max_failures`` times in the window,
    whatever the accounts, before it waits. Nothing counts per account alone, so nobody can lock
    a clinician out from another address by guessing their password.
    """

    MAX_WAIT_S = 86_400.0

    def __init__(self, max_failures: int, window_s: float, address_max_failures: int = 20) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.address_max_failures = address_max_failures
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._offset = 0.0

    def _now(self) -> float:
        return time.monotonic() + self._offset

    def shift(self, seconds: float) -> None:
        """Moves the limiter's clock forward (tests of the waits)."""
        self._offset += seconds

    def _recent(self, q: deque[float], now: float) -> deque[float]:
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def _forget_old(self, now: float) -> None:
        # Pairs quiet for a day (and past their wait) are dropped, so memory stays bounded.
        if len(self._pairs) > 10_000:
            for k in [k for k, p in self._pairs.items() if now - max(p.last, p.blocked_until) > 86_400]:
                del self._pairs[k]

    def retry_after(self, address: str, account: str) -> float:
        """Seconds to wait before another try, 0 when allowed."""
        now = self._now()
        with self._lock:
            waits = [0.0]
            pair = self._pairs.get((address, account))
            if pair is not None and pair.blocked_until > now:
                waits.append(pair.blocked_until - now)
            q = self._recent(self._addresses.get(address, deque()), now)
            if len(q) >= self.address_max_failures:
                waits.append(self.window_s - (now - q[0]))
        return max(waits)

    def fail(self, address: str, account: str) -> None:
        """Records one failed attempt of ``account`` from ``address``."""
        now = self._now()
        with self._lock:
            self._forget_old(now)
            pair = self._pairs.setdefault((address, account), _Pair())
            pair.last = now
            fails = self._recent(pair.fails, now)
            fails.append(now)
            if pair.level > 0 or len(fails) >= self.max_failures:
                pair.blocked_until = now + min(self.window_s * 2**pair.level, self.MAX_WAIT_S)
                pair.level += 1
            self._recent(self._addresses.setdefault(address, deque()), now).append(now)

    def succeed(self, address: str, account: str) -> None:
        """A successful login clears its pair (the address's count stays)."""
        with self._lock:
            self._pairs.pop((address, account), None)


def client_address(scope_client: tuple[str, int] | None, forwarded: str | None, proxies: list[str]) -> str:
    """The client's address: the peer, or behind trusted proxies the rightmost X-Forwarded-For entry
    that no trusted proxy added (entries further left are the client's to forge)."""
    peer = scope_client[0] if scope_client else "?"
    nets = [ip_network(p, strict=False) for p in proxies]

    def trusted(addr: str) -> bool:
        try:
            ip = ip_address(addr)
        except ValueError:
            return False
        return any(ip in n for n in nets)

    if not nets or not forwarded or not trusted(peer):
        return peer
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer
    return hops[0] if hops else peer


class StripQueryFilter(logging.Filter):
    """Drops query strings from access-log lines: searches by name must not reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = record.args[2]
            if isinstance(path, str):
                record.args = (*record.args[:2], path.split("?", 1)[0], *record.args[3:])
        return True
