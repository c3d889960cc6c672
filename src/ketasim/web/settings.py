"""Settings of the clinic app, read from ``KETASIM_*`` environment variables when the app is built."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ketasim.store.db import DEFAULT_URL

__all__ = ["Settings"]


class Settings(BaseSettings):
    """One settings object per app, built in the factory (never at import)."""

    model_config = SettingsConfigDict(env_prefix="KETASIM_", extra="ignore")

    database_url: str = DEFAULT_URL
    cookie_secure: bool = True
    cookie_name: str = "ketasim_session"
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)
    page_size_max: int = Field(default=200, ge=1)
