"""Bring a store's schema to the latest Alembic revision (run by `init` and on every open)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from strongroom.store.engine import transaction

_HERE = Path(__file__).parent / "migrations"


def _config(kind: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / kind))
    return cfg


def upgrade(engine: Engine, kind: str) -> None:
    """Apply pending migrations of `kind` ("data" or "keys"). Raises StoreUnavailable."""
    cfg = _config(kind)
    with transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_current(engine: Engine, kind: str) -> bool:
    head = ScriptDirectory.from_config(_config(kind)).get_current_head()
    with transaction(engine) as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": f"alembic_version_{kind}"})
        return ctx.get_current_revision() == head
