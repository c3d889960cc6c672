"""The SQLite file holds patient records: it is created readable by its owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from ketasim.store.db import make_engine
from ketasim.store.migrate import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_file_is_private(tmp_path: Path) -> None:
    """Hole: the SQLite file was created world-readable (the process umask decided)."""
    db = tmp_path / "clinic.db"
    old = os.umask(0o022)
    try:
        upgrade(f"sqlite:///{db}")
        engine = make_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            conn.execute(text("create table if not exists t (x integer)"))
            conn.execute(text("insert into t values (1)"))
            assert mode(db) == 0o600
            for side in (tmp_path / "clinic.db-wal", tmp_path / "clinic.db-shm"):
                if side.exists():
                    assert mode(side) == 0o600, side
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    db.touch(mode=0o640)
    db.chmod(0o640)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        conn.execute(text("select 1"))
    engine.dispose()
    assert mode(db) == 0o640, "an operator's explicit choice is left alone"


def test_memory_databases_need_no_file(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("select 1")).scalar() == 1
    engine.dispose()
