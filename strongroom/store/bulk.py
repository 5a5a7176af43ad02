"""Bulk inserts on the driver's own `executemany`, inside the caller's transaction.

SQLAlchemy's executemany path costs tens of microseconds per row here; a batch put writes six
rows per record. This module builds the INSERT for a table once, converts values with the
columns' own SQLAlchemy bind processors (so stored bytes are exactly what SQLAlchemy would
write and read back), and hands the rows to the DBAPI cursor of the same connection, so they
commit or roll back with everything else. Driver errors are wrapped here, as everywhere in
`store/`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from strongroom.errors import Conflict, StoreUnavailable

_Processor = Callable[[Any], Any] | None  # a column bind processor, if it has one


def _plan(conn: Connection, table: Table, columns: Sequence[str]) -> tuple[str, list[Any]]:
    dialect = conn.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([marker] * len(columns))})"  # noqa: S608
    procs = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    return sql, procs


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows` (tuples in `columns` order). Raises Conflict, StoreUnavailable."""
    if not rows:
        return
    sql, procs = _plan(conn, table, columns)
    if any(procs):
        rows = [
            tuple(p(v) if p is not None else v for p, v in zip(procs, row, strict=True))
            for row in rows
        ]
    dbapi = conn.dialect.loaded_dbapi
    try:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
    except dbapi.IntegrityError as exc:
        raise Conflict(
            f"the store refused a write to {table.name} that clashes with existing data"
        ) from exc
    except dbapi.Error as exc:
        raise StoreUnavailable(
            f"the store failed writing {table.name} ({type(exc).__name__})"
        ) from exc
