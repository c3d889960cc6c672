"""The browser fixtures (a served demo clinic and a headless Chromium page) for the browser tests."""

from .browser import page, server

__all__ = ["page", "server"]
