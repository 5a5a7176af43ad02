"""Bring a store's schema to the latest Alembic revision (run by `init` and on every open).

`HEADS` names the newest revision of each store so that opening an instance checks its schema
with one query and imports Alembic only when there is something to migrate (a test keeps
`HEADS` equal to the migration scripts' heads).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from strongroom.store.engine import schema_transaction

MIGRATIONS = Path(__file__).parent / "migrations"
HEADS = {"data": "0009_data", "keys": "0004_keys"}
_VERSION_TABLES = {"data": "alembic_version_data", "keys": "alembic_version_keys"}


def alembic_config(kind: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS / kind))
    return cfg


def upgrade(engine: Engine, kind: str) -> None:
    """Apply pending migrations of `kind` ("data" or "keys"). Raises StoreUnavailable."""
    from alembic import command

    cfg = alembic_config(kind)
    with schema_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_current(engine: Engine, kind: str) -> bool:
    try:
        with engine.connect() as conn:
            table = _VERSION_TABLES[kind]  # a fixed name from this module, never input
            row = conn.execute(text(f"SELECT version_num FROM {table}")).first()
    except SQLAlchemyError:
        return False  # no version table yet: a store that was never migrated
    return row is not None and row[0] == HEADS[kind]
