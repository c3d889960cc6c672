"""``ketasim db``: the clinic app's database (migrate, seed the demo clinic)."""

from __future__ import annotations

from typing import Annotated

import typer

from ketasim.cli._common import console, emit_json

__all__ = ["db_app", "register"]

db_app = typer.Typer(no_args_is_help=True, help="The clinic app's database: migrate, seed the demo clinic.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _database_url(url: str | None) -> str:
    from ketasim.web.settings import Settings

    return url or Settings().database_url


@db_app.command("migrate")
def db_migrate(
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    from ketasim.store.migrate import upgrade

    target = _database_url(url)
    upgrade(target)
    if as_json:
        emit_json({"migrated": True})
        return
    console.print("database migrated to the newest schema")


@db_app.command("seed-demo")
def db_seed_demo(
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Create the demo clinic (idempotent) and print its clinician login."""
    from ketasim.store.db import make_engine, make_sessionmaker, transaction
    from ketasim.store.seed import seed_demo

    engine = make_engine(_database_url(url))
    try:
        with transaction(make_sessionmaker(engine)) as db:
            seeded = seed_demo(db)
    finally:
        engine.dispose()
    if as_json:
        emit_json({"created": seeded.created, "email": seeded.email, "password": seeded.password})
        return
    console.print("demo clinic " + ("created" if seeded.created else "already present"))
    console.print(f"demo clinician login: [bold]{seeded.email}[/] / [bold]{seeded.password}[/]")
