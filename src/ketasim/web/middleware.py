"""ASGI middleware of the clinic app: body size limit, HEAD, trusted proxies, and a last-resort 500.

Pure ASGI (no BaseHTTPMiddleware), so streaming bodies are counted as they arrive.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "CatchAll", "HeadAsGet", "TrustedProxies", "is_page"]

log = logging.getLogger("ketasim.web")


def is_page(path: str) -> bool:
    """Whether a path is a page (HTML errors) rather than the API, a fragment or a static file."""
    return not path.startswith(("/api/", "/ui/", "/static/")) and path != "/openapi.json"


async def _send_json(send: Send, status: int, detail: object) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses request bodies over a limit with 413 before the app reads them (import: its own limit)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, import_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_max_bytes = import_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_max_bytes if scope["path"] == "/api/patients/import" else self.max_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_large = {"loc": ["body"], "type": "body.too_large", "msg": f"the body exceeds {limit} bytes"}
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, [too_large])
            return
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            # No length declared (chunked): read it all, up to the limit, before the app runs.
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _send_json(send, 413, [too_large])
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)


class HeadAsGet:
    """Answers HEAD wherever GET is answered: the same status and headers, no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, no_body)


class TrustedProxies:
    """Takes the client address from X-Forwarded-For only when the peer is a configured proxy.

    The client is the rightmost address that no trusted proxy added: entries to its left are
    whatever the client chose to send and are never believed.
    """

    def __init__(self, app: ASGIApp, *, proxies: Sequence[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in n for n in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not self.networks or not client or not self._trusted(client[0]):
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
        hops = [h.strip() for v in values for h in v.decode("latin-1").split(",") if h.strip()]
        address = client[0]
        for hop in reversed(hops):
            address = hop
            if not self._trusted(hop):
                break
        await self.app({**scope, "client": (address, client[1])}, receive, send)


class CatchAll:
    """The last resort: an unhandled error becomes a 500 that names nothing but the error's type.

    Nothing is re-raised, so the server never logs a traceback (whose frames and message may
    quote patient data); ``render_page`` draws the HTML page for page routes.
    """

    def __init__(self, app: ASGIApp, *, render_page: Callable[[Scope], tuple[bytes, str]]) -> None:
        self.app = app
        self.render_page = render_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as err:  # noqa: BLE001 - the whole point: nothing escapes
            log.error("unhandled %s on %s %s", type(err).__name__, scope["method"], scope["path"])
            if started:
                return
            if is_page(scope["path"]):
                try:
                    body, media = self.render_page(scope)
                except Exception:  # noqa: BLE001
                    body, media = (
                        b"<!doctype html><html><title>ketasim</title>internal error</html>",
                        "text/html",
                    )
                headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 500, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await _send_json(send, 500, "internal error")
