"""The browser fixtures (a served demo clinic and a headless Chromium page) for the browser tests."""

from .browser import demo, page, server

__all__ = ["demo", "page", "server"]
