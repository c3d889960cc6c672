"""Alembic, driven from Python: migrate a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from ketasim.store.db import make_engine

__all__ = ["alembic_config", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, engine: Engine | None = None, revision: str = "head") -> None:
    """Migrates ``url`` to ``revision`` (head by default), in one transaction per revision."""
    cfg = alembic_config(url)
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        if own:
            engine.dispose()
