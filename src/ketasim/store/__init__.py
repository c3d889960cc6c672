"""SQL persistence of the clinic app: models, migrations and crud (SQLite default, PostgreSQL)."""
