"""Engines and transactions for the two stores.

SQLAlchemy owns the engines, the connection pools and the schema (Alembic migrations). The
statements of the hot paths run on the driver's own connection through `Tx`: on this class of
machine SQLAlchemy's execution layer costs about 60 µs per statement, ten times the statement
itself, and a reveal runs several. SQL is written once with `?` markers and adapted to the
driver's style (psycopg's `%s`) and cached.

A SQLite connection is kept checked out per thread between transactions (returned when the
engine is disposed): a pool checkout and its reset cost more than a reveal's own statements.

SQLite runs in WAL mode with `synchronous=NORMAL` (atomic and consistent; a power cut may lose
the last commits since the last checkpoint, never half of one) and every writing transaction
starts with BEGIN IMMEDIATE, taking the write lock up front: each gated operation appends to
the ledger, and taking the lock late would risk SQLite's deadlock on lock upgrade. Driver and
SQLAlchemy errors never leave this module: they become `StoreUnavailable` or `Conflict`.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import PoolProxiedConnection

from strongroom.errors import BadInput, Conflict, StoreUnavailable
from strongroom.store.wall import APP_ROLE, TENANT_SETTING

Row = tuple[Any, ...]
_PYFORMAT: dict[str, str] = {}  # SQL with `?` markers -> the same for psycopg's `%s` style


def now() -> str:
    """The current time as stored: ISO 8601, UTC, microseconds."""
    return stamp(datetime.now(UTC))


def stamp(when: datetime) -> str:
    """A time as stored (`2026-11-24T00:14:25.123456Z`); a naive time is taken as UTC.
    isoformat, not strftime, so that years below 1000 keep four digits and sort as text."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    # In UTC the offset is always written "+00:00": cut, not dropped with replace(), which
    # would build one more datetime (every request stamps several times).
    return aware.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


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
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        keeper = _Keeper()
        _KEEPERS[engine] = keeper
        event.listen(engine, "engine_disposed", lambda _engine: keeper.release())
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise BadInput(
        f"unsupported database '{parsed.get_backend_name()}': use sqlite or postgresql+psycopg",
        field="database_url",
    )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun explicitly (BEGIN IMMEDIATE), never implicitly by pysqlite.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@contextmanager
def driver_errors(dbapi: Any) -> Iterator[None]:
    """Driver errors as Strongroom's: a uniqueness clash is a Conflict, the rest
    StoreUnavailable. The driver's message may quote values, so it is not passed on."""
    try:
        yield
    except dbapi.Error as exc:
        raise _translated(dbapi, exc) from exc


def _translated(dbapi: Any, exc: Exception) -> Conflict | StoreUnavailable:
    if isinstance(exc, dbapi.IntegrityError):
        return Conflict("the store refused a write that clashes with existing data")
    return StoreUnavailable(f"the store failed ({type(exc).__name__})")


class _Keeper:
    """The SQLite connection each thread keeps between its transactions. One in use is taken
    out, so a transaction opened inside another gets a connection of its own from the pool.
    A thread that has ended gives its connection back to the pool at the next checkout by a
    new thread (a server's worker threads come and go)."""

    def __init__(self) -> None:
        self._idle: dict[int, tuple[threading.Thread, PoolProxiedConnection]] = {}
        self._lock = threading.Lock()

    def take(self, engine: Engine) -> PoolProxiedConnection:
        me = threading.get_ident()
        with self._lock:
            kept = self._idle.pop(me, None)
            if kept is not None:
                return kept[1]
            gone = [t for t, (thread, _) in self._idle.items() if not thread.is_alive()]
            ended = [self._idle.pop(t)[1] for t in gone]
        for raw in ended:
            raw.close()
        return engine.raw_connection()

    def give(self, raw: PoolProxiedConnection) -> None:
        me = threading.get_ident()
        with self._lock:
            if me not in self._idle:
                self._idle[me] = (threading.current_thread(), raw)
                return
        raw.close()

    def release(self) -> None:
        """Close every idle kept connection (the engine is being disposed)."""
        with self._lock:
            kept, self._idle = list(self._idle.values()), {}
        for _, raw in kept:
            if raw.is_valid:
                raw.invalidate()  # closes the driver connection; the disposed pool is not reused


_KEEPERS: weakref.WeakKeyDictionary[Engine, _Keeper] = weakref.WeakKeyDictionary()


class Tx:
    """One transaction on a driver connection. Statements use `?` markers."""

    __slots__ = ("_cur", "_dbapi", "dialect")

    def __init__(self, raw: Any, dialect: str, dbapi: Any) -> None:
        self._cur = raw.cursor()
        self._dbapi = dbapi
        self.dialect = dialect

    def _adapt(self, sql: str) -> str:
        if self.dialect == "sqlite":
            return sql
        adapted = _PYFORMAT.get(sql)
        if adapted is None:
            adapted = _PYFORMAT[sql] = sql.replace("%", "%%").replace("?", "%s")
        return adapted

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; returns the number of rows it changed."""
        try:
            self._cur.execute(self._adapt(sql), params)
        except self._dbapi.Error as exc:
            raise _translated(self._dbapi, exc) from exc
        return int(self._cur.rowcount)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.run(sql, params)
        row = self._cur.fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.run(sql, params)
        return [tuple(r) for r in self._cur.fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The cursor itself, to iterate a large result without copying it row by row."""
        self.run(sql, params)
        return self._cur

    def column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return [r[0] for r in self.all(sql, params)]

    def close(self) -> None:
        self._cur.close()

    def enter_tenant(self, tenant: str) -> None:
        """From here on, this transaction sees `tenant`'s rows behind the PostgreSQL wall."""
        if self.dialect == "postgresql":
            self.run(_ENTER_TENANT, (tenant,))

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per row (the driver's executemany)."""
        if not rows:
            return
        try:
            self._cur.executemany(self._adapt(sql), rows)
        except self._dbapi.Error as exc:
            raise _translated(self._dbapi, exc) from exc


_ENTER_TENANT = f"SELECT set_config('{TENANT_SETTING}', ?, true)"
_ENTER_WALL = (
    f"SELECT set_config('role', '{APP_ROLE}', true), set_config('{TENANT_SETTING}', ?, true)"
)


def marks(n: int) -> str:
    """`?, ?, ?` for an IN list of n values."""
    return ", ".join("?" * n)


@contextmanager
def transaction(
    engine: Engine, *, read_only: bool = False, tenant: str | None = None
) -> Iterator[Tx]:
    """One database transaction: committed when the block ends, rolled back if it raises.

    `read_only` lets SQLite readers proceed beside a writer (no BEGIN: each statement reads
    committed data on its own); it is a promise by the caller, not a check. On PostgreSQL the
    transaction runs as the application role behind the tenant wall (`store/wall.py`) and sees
    only `tenant`'s rows of tenant-owned tables (none when no tenant is given).
    Raises Conflict on a uniqueness violation, StoreUnavailable on any other database failure.
    """
    dialect = engine.dialect.name
    dbapi = engine.dialect.loaded_dbapi
    keeper = _KEEPERS.get(engine)
    try:
        raw = keeper.take(engine) if keeper is not None else engine.raw_connection()
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"the store cannot be reached ({type(exc).__name__})") from exc
    clean = False
    try:
        with driver_errors(dbapi):
            driver: Any = raw.driver_connection
            if dialect == "sqlite" and not read_only:
                driver.execute("BEGIN IMMEDIATE")
            tx = Tx(driver, dialect, dbapi)
            if dialect == "postgresql":
                tx.run(_ENTER_WALL, (tenant or "",))
            try:
                yield tx
            except BaseException:
                driver.rollback()  # a no-op when the driver has no transaction open
                raise
            finally:
                tx.close()  # an unread result would otherwise hold a read snapshot open
            driver.commit()
            clean = True
    finally:
        if keeper is not None and clean:
            keeper.give(raw)
        else:
            raw.close()  # the pool rolls back whatever a failure left open


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Any]:
    """A SQLAlchemy transaction for schema work (migrations). Raises StoreUnavailable."""
    try:
        with engine.begin() as conn:
            yield conn
    except IntegrityError as exc:
        raise Conflict("the store refused a schema change") from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"the store failed ({type(exc).__name__})") from exc
