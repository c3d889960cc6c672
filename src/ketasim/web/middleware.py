"""The request guard: HEAD answered as GET without a body, a request body size limit, and a last
catch for unhandled errors that answers 500 without a traceback (issue 12)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestGuard"]

log = logging.getLogger("ketasim.web")

#: Renders the 500 answer for a path (HTML for pages, JSON for the API): status, headers, body.
Fallback = Callable[[Scope], Awaitable[tuple[list[tuple[bytes, bytes]], bytes]]]


class RequestGuard:
    """Pure ASGI middleware, innermost of the app's own: it sees every request first."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, fallback: Fallback) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            # HEAD is GET without the body (RFC 9110 §9.3.2): same status and headers.
            scope = {**scope, "method": "GET"}
        started = False
        limit = self.max_body_bytes

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > limit:
            await self._too_large(send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException passes through FastAPI's body parsing untouched.
                    raise HTTPException(413, f"request body larger than {limit} bytes")
            return message

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception as err:  # the last line: no traceback, no patient data
            # Only the exception's type: its message and traceback may quote stored values.
            log.error("unhandled %s on %s %s", type(err).__name__, scope["method"], scope["path"])
            if started:
                return
            extra, body = await self.fallback(scope)
            await send({"type": "http.response.start", "status": 500, "headers": extra})
            await send({"type": "http.response.body", "body": b"" if head else body})

    @staticmethod
    async def _too_large(send: Send, limit: int) -> None:
        body = b'{"detail":"request body larger than %d bytes"}' % limit
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
