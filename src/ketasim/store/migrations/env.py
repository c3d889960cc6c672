"""Alembic environment: the connection comes from ketasim.store.migrate."""

from __future__ import annotations

from alembic import context

from ketasim.store.db import make_engine
from ketasim.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    engine = make_engine(config.attributes["url"])
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
    engine.dispose()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
