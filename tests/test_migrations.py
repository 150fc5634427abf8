"""The schema is alembic's: it upgrades from nothing to head and back on the configured database."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from issuer import db


def test_upgrade_downgrade_upgrade(database_url):
    db.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
        db.downgrade(database_url, "base")
        db.upgrade(database_url)
        tables = set(inspect(engine).get_table_names())
        from issuer.db import Base
        import issuer.models  # noqa: F401
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()
