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
the ledger, and taking the lock late would risk SQLite's deadlock on lock upgrade. Writers
queue for that lock on a lock file of their own first (`_Writers`), since SQLite's own wait
sleeps whole milliseconds. Driver and SQLAlchemy errors never leave this module: they become
`StoreUnavailable` or `Conflict`.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
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
BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer waits for the write lock
_BUSY_TIMEOUT = f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}"


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
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        keeper = _Keeper()
        _KEEPERS[engine] = keeper
        if parsed.database and parsed.database != ":memory:":
            _WRITERS[engine] = _Writers(Path(f"{parsed.database}.writer-lock"))
        event.listen(engine, "engine_disposed", lambda _engine: keeper.release())
        return engine
    if parsed.get_backend_name() == "postgresql":
        # READ COMMITTED whatever the server's or role's default: each statement must see what
        # committed before it. The ledger appends after taking its lock and then reading the
        # head, and a rotation re-wraps the keys it reads after locking the keyset row; under
        # REPEATABLE READ both would read a snapshot taken before they waited (the wall's
        # first statement) and miss what the writer they waited for committed.
        return create_engine(parsed, pool_pre_ping=True, isolation_level="READ COMMITTED")
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
    cur.execute(_BUSY_TIMEOUT)
    # Deleted rows are overwritten with zeros, not left in free pages: an erased subject's
    # wrapped data key must not stay readable in the key store's file. Upstream SQLite's
    # default is off (Debian's build turns it on, which is why tests alone did not show it).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def truncate_wal(engine: Engine) -> bool | None:
    """Empty a SQLite store's write-ahead log into the database and truncate it to nothing.

    Why: the WAL keeps earlier versions of pages (an erased subject's wrapped key among them)
    until a later checkpoint writes over them, which may take thousands of transactions; it
    is called after an erasure. Waits at most 250 ms for readers and the writer to leave.
    Returns True when the log was emptied, False when a reader or writer kept it busy (the
    next checkpoint will overwrite it), None for PostgreSQL (whose dead tuples and archived
    WAL are the operator's VACUUM and retention to manage)."""
    if engine.dialect.name != "sqlite":
        return None
    writers = _WRITERS.get(engine)
    if writers is not None:
        writers.acquire()
    try:
        raw = engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            driver.execute("PRAGMA busy_timeout=250")
            try:
                busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                driver.execute(_BUSY_TIMEOUT)
            return bool(busy == 0)
        finally:
            raw.close()
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"the store failed ({type(exc).__name__})") from exc
    finally:
        if writers is not None:
            writers.release()


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


_BUSY = "the store is busy: another writer held it for too long"


class _Writers:
    """One writing transaction at a time on a SQLite file, across this process's threads (a
    re-entrant thread lock) and every process of the machine (an exclusive `flock` on a lock
    file beside the database), taken before BEGIN IMMEDIATE.

    Why: SQLite's own wait for its write lock (busy_timeout) sleeps 1, 2, 5, 10 ... ms between
    tries, so under `serve --workers 2` each process slept much of the time another held the
    lock for a fraction of a millisecond. A waiter here tries again after 50 µs, doubling up
    to 1 ms. `bench/writers.py`, two processes each running 0.9 ms transactions that hold
    the lock 0.4 ms: 1,439-1,466 transactions/s and a p99 of 4.2 ms on SQLite's wait alone,
    1,689-1,692/s and 1.4 ms with this queue.

    Any process not using this module (the sqlite3 shell) still meets SQLite's own lock, so
    nothing depends on this one for correctness: it only decides who goes first, sooner.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, timeout: float = BUSY_TIMEOUT_S) -> None:
        """Raises StoreUnavailable after `timeout` seconds without the lock."""
        deadline = time.monotonic() + timeout
        if not self._thread.acquire(timeout=timeout):
            raise StoreUnavailable(_BUSY)
        try:
            if self._depth == 0:
                self._lock_file(deadline)
        except BaseException:
            self._thread.release()
            raise
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def _lock_file(self, deadline: float) -> None:
        if self._fd is None or self._pid != os.getpid():
            # A forked child shares its parent's descriptor, and so its lock: open its own.
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        pause = 50e-6
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreUnavailable(_BUSY) from None
                time.sleep(pause)
                pause = min(pause * 2, 1e-3)


_WRITERS: weakref.WeakKeyDictionary[Engine, _Writers] = weakref.WeakKeyDictionary()


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


def make_durable(engine: Engine) -> None:
    """Make every committed transaction of the store survive a power cut, before something
    that cannot be undone depends on it (a root key destroyed once its secrets were wrapped
    again). SQLite's `synchronous=NORMAL` leaves the last commits in an unsynced write-ahead
    log: both files are synced. PostgreSQL commits durably unless `synchronous_commit` is
    off, which is refused. Raises StoreUnavailable."""
    if engine.dialect.name == "sqlite":
        base = engine.url.database or ""
        for name in (base, base + "-wal"):
            try:
                fd = os.open(name, os.O_RDONLY)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StoreUnavailable(f"cannot sync {name}: {exc.strerror}") from exc
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return
    with transaction(engine, read_only=True) as tx:
        row = tx.one("SELECT current_setting('synchronous_commit')")
    if row is None or row[0] == "off":
        raise StoreUnavailable(
            "PostgreSQL's synchronous_commit is off: what was just committed may not survive a "
            "crash; turn it on before an irreversible step"
        )


# Advisory locks, each held to the end of the transaction that takes it (PostgreSQL).
ROOT_KEY_LOCK = 7710002  # what wraps under the root key, against a rotation of it


def hold(tx: Tx, lock: int, *, shared: bool = False) -> None:
    """Take an advisory lock for the rest of the transaction: shared beside others who hold
    it shared, or alone. A no-op on SQLite, where every writing transaction already holds
    its whole store (BEGIN IMMEDIATE)."""
    if tx.dialect == "postgresql":
        kind = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        tx.run(f"SELECT {kind}(?)", (lock,))


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
    writers = None if read_only else _WRITERS.get(engine)
    if writers is not None:
        writers.acquire()
    try:
        with _transaction(engine, read_only, tenant) as tx:
            yield tx
    finally:
        if writers is not None:
            writers.release()


@contextmanager
def _transaction(engine: Engine, read_only: bool, tenant: str | None) -> Iterator[Tx]:
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
