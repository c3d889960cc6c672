"""`ketasim db migrate`, `ketasim db seed-demo` (idempotent) and the seeded clinic's content."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.store.db import make_engine
from ketasim.store.seed import DEMO_LOGINS


def test_migrate_and_seed_demo_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "migrate", "--url", url]).exit_code == 0
    first = runner.invoke(app, ["db", "seed-demo", "--url", url])
    assert first.exit_code == 0 and "created" in first.output
    assert DEMO_LOGINS["clinician"][0] in first.output and DEMO_LOGINS["clinician"][1] in first.output
    second = runner.invoke(app, ["db", "seed-demo", "--url", url])
    assert second.exit_code == 0 and "already present" in second.output
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            q = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
            assert q("select count(*) from sites") == 1
            assert q("select count(*) from patients") == 4
            assert q("select count(*) from sessions where status = 'closed'") >= 30
            assert q("select count(*) from scale_administrations where total is not null") >= 40
            assert q("select count(*) from alerts where rule like 'si.%'") == 1
            span = "julianday(max(administered_at)) - julianday(min(administered_at))"
            assert q(f"select {span} from scale_administrations") > 90
            assert q("PRAGMA integrity_check") == "ok"
    finally:
        engine.dispose()
