"""Engines and transactions for the two stores.

SQLite runs in WAL mode with `synchronous=NORMAL` (atomic and consistent; a power cut may lose
the last commits since the last checkpoint, never half of one) and every transaction starts
with BEGIN IMMEDIATE: each gated operation appends to the ledger, so every transaction writes,
and taking the write lock up front avoids SQLite's deadlock on lock upgrade.
PostgreSQL is reached through psycopg 3. SQLAlchemy errors never leave this module: they become
`StoreUnavailable` or `Conflict`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from strongroom.errors import BadInput, Conflict, StoreUnavailable


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(url: str) -> Engine:
    """Raises BadInput for a URL that names no supported database."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInput(f"not a database URL: {exc}", field="database_url") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Created private: the file holds only sealed values, but it is nobody's business.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise BadInput(
        f"unsupported database '{parsed.get_backend_name()}': use sqlite or postgresql+psycopg",
        field="database_url",
    )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A read-only block runs its statements in autocommit: each read sees committed data and
    # never waits for the write lock.
    if not conn.get_execution_options().get("strongroom_read", False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine, *, read_only: bool = False) -> Iterator[Connection]:
    """One database transaction: committed when the block ends, rolled back if it raises.

    `read_only` lets SQLite readers proceed beside a writer (no BEGIN: each statement reads
    committed data on its own); it is a promise by the caller, not a check.
    Raises Conflict on a uniqueness or integrity violation, StoreUnavailable on any other
    database failure.
    """
    try:
        with engine.connect() as conn:
            if read_only:
                conn.execution_options(strongroom_read=True)
            with conn.begin():
                yield conn
    except IntegrityError as exc:
        # The driver's text may quote the clashing values: keep it out of the message.
        raise Conflict("the store refused a write that clashes with existing data") from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"the store failed ({type(exc).__name__})") from exc
