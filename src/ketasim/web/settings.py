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
    #: Failed logins per account and address before a wait, and the first wait (it doubles).
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)
    #: Failed logins from one address, whatever the accounts, before it waits.
    login_address_max_failures: int = Field(default=20, ge=1)
    #: Addresses or networks of reverse proxies whose X-Forwarded-For is believed (none by default).
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Largest request body accepted, in bytes (record imports are at most 5 MB).
    max_body_bytes: int = Field(default=6_000_000, ge=1024)
    page_size_max: int = Field(default=200, ge=1)
    #: Patient forecasts kept in memory (one per patient and forecast scale; decision 0032).
    forecast_cache_size: int = Field(default=1024, ge=1)
